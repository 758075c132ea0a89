"""Writing the audit log. Call inside the transaction of the change being recorded."""

from .models import AuditEvent


def audit_record(
    *, actor, action: str, obj, product=None, before=None, after=None, details=None
) -> AuditEvent:
    """Append one audit row for `action` on `obj` by `actor` (a user or None for the system)."""
    if product is None and obj.__class__.__name__ == "DataProduct":
        product = obj
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=getattr(actor, "username", "") or "system",
        action=action,
        object_type=obj.__class__.__name__,
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        product=product,
        domain_name=product.domain.name if product is not None else "",
        before=before,
        after=after,
        details=details or {},
    )
