"""On PostgreSQL, make the audit log append-only in the database itself (ARCHITECTURE.md §4).

- audit_auditevent: INSERT only; any UPDATE or DELETE raises.
- audit_auditchainhead: never DELETEd; an UPDATE must advance the head by exactly one event
  and point at that event's hash, so the head cannot be rolled back to hide removed events.

TRUNCATE is deliberately not blocked: the test runner empties tables with it between
transactional tests, and it needs table-owner rights that the application role should not
have in production anyway. Other databases rely on `audit_verify` alone.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION dangjian_audit_reject_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION dangjian_audit_head_advance() RETURNS trigger AS $$
BEGIN
    IF NEW.id <> OLD.id OR NEW.seq <> OLD.seq + 1 OR NOT EXISTS (
        SELECT 1 FROM audit_auditevent WHERE seq = NEW.seq AND hash = NEW.hash
    ) THEN
        RAISE EXCEPTION 'the audit chain head may only advance to the newest event'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE PROCEDURE dangjian_audit_reject_change();
CREATE TRIGGER audit_head_no_delete
    BEFORE DELETE ON audit_auditchainhead
    FOR EACH ROW EXECUTE PROCEDURE dangjian_audit_reject_change();
CREATE TRIGGER audit_head_advance_only
    BEFORE UPDATE ON audit_auditchainhead
    FOR EACH ROW EXECUTE PROCEDURE dangjian_audit_head_advance();
"""

REVERSE = """
DROP TRIGGER IF EXISTS audit_head_advance_only ON audit_auditchainhead;
DROP TRIGGER IF EXISTS audit_head_no_delete ON audit_auditchainhead;
DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS dangjian_audit_head_advance();
DROP FUNCTION IF EXISTS dangjian_audit_reject_change();
"""


def _run_on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            # No parameters, so the driver neither parses the '%' in the messages nor
            # refuses several statements in one call.
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(_run_on_postgresql(FORWARD), _run_on_postgresql(REVERSE)),
    ]
