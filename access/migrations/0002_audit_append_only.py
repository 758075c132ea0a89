from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION access_auditevent_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS access_auditevent_no_change ON access_auditevent;
CREATE TRIGGER access_auditevent_no_change BEFORE UPDATE OR DELETE ON access_auditevent
  FOR EACH ROW EXECUTE FUNCTION access_auditevent_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS access_auditevent_no_change ON access_auditevent;
DROP FUNCTION IF EXISTS access_auditevent_append_only();
"""


# PostgreSQL only: SQLite test databases are flushed with DELETE, which a trigger would refuse;
# there the model and queryset refuse updates and deletes.
def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("access", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
