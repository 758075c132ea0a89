"""Schema changes between two normalized contracts, each classified breaking or not.

Fields are matched by name (a rename is a removal plus an addition). A change is breaking when
a consumer that worked against the old contract may fail against the new one:

breaking       field_removed, type_changed, not_null_added, unique_added, min_added, min_raised,
               max_added, max_lowered, min_length_added, min_length_raised, max_length_added,
               max_length_lowered, pattern_added, pattern_changed, in_added, in_value_removed,
               constraint_added (a kind this module does not know), location_changed,
               table_changed, format_changed (schema.type, e.g. parquet -> csv)
not breaking   field_added, description_changed, not_null_removed, unique_removed, min_removed,
               min_lowered, max_removed, max_raised, min_length_removed, min_length_lowered,
               max_length_removed, max_length_raised, pattern_removed, in_removed, in_value_added,
               constraint_removed, primary_key_added, primary_key_removed, pii_marked,
               pii_unmarked, partitioning_changed

Several constraints of one kind on a field combine to the strictest (the highest min, the
intersection of `in` lists). Types compare case- and whitespace-insensitively.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SchemaChange:
    kind: str
    field: str | None  # None for schema-level changes
    breaking: bool
    detail: str

    def as_dict(self) -> dict:
        return {"kind": self.kind, "field": self.field, "breaking": self.breaking, "detail": self.detail}


def schema_changes(old_contract: dict, new_contract: dict) -> list[SchemaChange]:
    """Every schema difference from `old_contract` to `new_contract`, schema-level first, then
    fields in the old order, then added fields in the new order."""
    old_schema = old_contract.get("schema") or {}
    new_schema = new_contract.get("schema") or {}
    changes: list[SchemaChange] = []
    if old_schema and new_schema:
        changes.extend(_schema_level(old_schema, new_schema))
    old_fields = {f["name"]: f for f in old_schema.get("fields") or ()}
    new_fields = {f["name"]: f for f in new_schema.get("fields") or ()}
    for name, old in old_fields.items():
        new = new_fields.get(name)
        if new is None:
            changes.append(SchemaChange("field_removed", name, True, f"field {name} was removed"))
        else:
            changes.extend(_field_changes(name, old, new))
    for name, new in new_fields.items():
        if name not in old_fields:
            changes.append(
                SchemaChange("field_added", name, False, f"field {name} ({new.get('type')}) was added")
            )
    return changes


def breaking_changes(old_contract: dict, new_contract: dict) -> list[SchemaChange]:
    return [c for c in schema_changes(old_contract, new_contract) if c.breaking]


def _schema_level(old: dict, new: dict) -> list[SchemaChange]:
    changes = []
    for key, kind, breaking in (
        ("location", "location_changed", True),
        ("table", "table_changed", True),
        ("type", "format_changed", True),
    ):
        if old.get(key) != new.get(key):
            changes.append(
                SchemaChange(kind, None, breaking, f"schema.{key} {old.get(key)!r} -> {new.get(key)!r}")
            )
    if list(old.get("partitioned_by") or ()) != list(new.get("partitioned_by") or ()):
        changes.append(
            SchemaChange(
                "partitioning_changed",
                None,
                False,
                f"schema.partitioned_by {old.get('partitioned_by')} -> {new.get('partitioned_by')}",
            )
        )
    return changes


def _norm_type(value) -> str | None:
    return "".join(str(value).lower().split()) if value else None


def _field_changes(name: str, old: dict, new: dict) -> list[SchemaChange]:
    changes = []
    if _norm_type(old.get("type")) != _norm_type(new.get("type")):
        changes.append(
            SchemaChange("type_changed", name, True, f"type {old.get('type')} -> {new.get('type')}")
        )
    if (old.get("description") or "").strip() != (new.get("description") or "").strip():
        changes.append(SchemaChange("description_changed", name, False, "description changed"))
    for key, on, off in (
        ("is_primary_key", "primary_key_added", "primary_key_removed"),
        ("is_pii", "pii_marked", "pii_unmarked"),
    ):
        if bool(old.get(key)) != bool(new.get(key)):
            kind = on if new.get(key) else off
            changes.append(SchemaChange(kind, name, False, kind.replace("_", " ")))
    changes.extend(_constraint_changes(name, _summarize(old), _summarize(new)))
    return changes


def _hashable(value):
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def _summarize(field: dict) -> dict:
    summary: dict = {
        "unique": False,
        "not_null": False,
        "min": None,
        "max": None,
        "min_length": None,
        "max_length": None,
        "pattern": frozenset(),
        "in": None,
        "other": frozenset(),
    }
    for constraint in field.get("constraints") or ():
        kind, value = constraint.get("type"), constraint.get("value")
        if kind in ("unique", "not_null"):
            summary[kind] = True
        elif kind in ("min", "min_length", "max", "max_length"):
            current = summary[kind]
            if current is None:
                summary[kind] = value
            else:
                try:
                    summary[kind] = max(current, value) if kind.startswith("min") else min(current, value)
                except TypeError:
                    summary[kind] = value
        elif kind == "pattern":
            summary["pattern"] = summary["pattern"] | {value}
        elif kind == "in":
            values = frozenset(_hashable(v) for v in value or ())
            summary["in"] = values if summary["in"] is None else summary["in"] & values
        else:
            summary["other"] = summary["other"] | {(kind, repr(value))}
    return summary


def _constraint_changes(name: str, old: dict, new: dict) -> list[SchemaChange]:
    changes = []
    for kind in ("not_null", "unique"):
        if new[kind] and not old[kind]:
            changes.append(SchemaChange(f"{kind}_added", name, True, f"{kind} constraint added"))
        elif old[kind] and not new[kind]:
            changes.append(SchemaChange(f"{kind}_removed", name, False, f"{kind} constraint removed"))

    # For a lower bound raising is tightening; for an upper bound lowering is.
    for kind, tighter in (
        ("min", "raised"),
        ("min_length", "raised"),
        ("max", "lowered"),
        ("max_length", "lowered"),
    ):
        before, after = old[kind], new[kind]
        if before == after:
            continue
        if before is None:
            changes.append(SchemaChange(f"{kind}_added", name, True, f"{kind} {after} added"))
        elif after is None:
            changes.append(SchemaChange(f"{kind}_removed", name, False, f"{kind} {before} removed"))
        else:
            try:
                went_up = after > before
            except TypeError:
                changes.append(SchemaChange(f"{kind}_changed", name, True, f"{kind} {before!r} -> {after!r}"))
                continue
            direction = "raised" if went_up else "lowered"
            changes.append(
                SchemaChange(f"{kind}_{direction}", name, direction == tighter, f"{kind} {before} -> {after}")
            )

    if old["pattern"] != new["pattern"]:
        if not old["pattern"]:
            changes.append(SchemaChange("pattern_added", name, True, f"pattern {_one(new['pattern'])} added"))
        elif not new["pattern"]:
            changes.append(
                SchemaChange("pattern_removed", name, False, f"pattern {_one(old['pattern'])} removed")
            )
        else:
            changes.append(
                SchemaChange(
                    "pattern_changed", name, True, f"pattern {_one(old['pattern'])} -> {_one(new['pattern'])}"
                )
            )

    before, after = old["in"], new["in"]
    if before != after:
        if before is None:
            changes.append(SchemaChange("in_added", name, True, f"allowed values {_listing(after)} added"))
        elif after is None:
            changes.append(SchemaChange("in_removed", name, False, "allowed-values constraint removed"))
        else:
            removed, added = before - after, after - before
            if removed:
                changes.append(
                    SchemaChange(
                        "in_value_removed", name, True, f"allowed values removed: {_listing(removed)}"
                    )
                )
            if added:
                changes.append(
                    SchemaChange("in_value_added", name, False, f"allowed values added: {_listing(added)}")
                )

    for kind, value in sorted(new["other"] - old["other"]):
        changes.append(SchemaChange("constraint_added", name, True, f"{kind} {value} added"))
    for kind, value in sorted(old["other"] - new["other"]):
        changes.append(SchemaChange("constraint_removed", name, False, f"{kind} {value} removed"))
    return changes


def _one(patterns: frozenset) -> str:
    return " / ".join(sorted(repr(p) for p in patterns))


def _listing(values) -> str:
    return ", ".join(sorted(str(v) for v in values))
