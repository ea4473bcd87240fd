"""Member import jobs (issue 3 §6): queue, run in the background, report.

`import_job_create` stores the upload and queues `members.import_people`; the task calls
`import_job_run`, which reads the file, checks every row in chunks (progress is written as
small separate UPDATEs so the job page can follow it) and then writes everything in ONE
transaction: people in batches, their first stage-history entry, the job's result and one audit
event. A crash anywhere before the commit leaves nothing half-imported.
"""

import logging
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dangjian.attachments.services import attachment_store
from dangjian.attachments.validation import max_megabytes
from dangjian.audit.services import audit_record
from dangjian.core.exports import xlsx_response
from dangjian.core.scope import path_q, scope_paths
from dangjian.core.services import OutOfScope, require_perm
from dangjian.members.choices import ImportStatus
from dangjian.members.imports import (
    CSV,
    ImportFileError,
    RowChecker,
    chunks,
    decode_text,
    detect_kind,
    existing_people,
    read_table,
)
from dangjian.members.models import ImportJob, Person, StageChange
from dangjian.orgs.models import Organization
from dangjian.rules.orgs import BRANCH_KINDS, COMMITTEE, GENERAL_BRANCH, PARTY_GROUP

logger = logging.getLogger(__name__)

PERMISSION = "members.manage"
TARGET_KINDS = frozenset({COMMITTEE, GENERAL_BRANCH, *BRANCH_KINDS})
CHECK_CHUNK = 500  # rows checked between progress updates (and per duplicate query)
WRITE_BATCH = 1000  # rows per INSERT
MAX_REPORT_ENTRIES = 20_000
UPLOAD_TYPES = frozenset({"xlsx", "txt"})


def import_targets(user):
    """Organizations the user may import into: committees, general branches and branches
    where they manage member records."""
    return (
        Organization.objects.restrict(user, PERMISSION)
        .filter(kind__in=TARGET_KINDS, is_active=True)
        .order_by("path")
    )


def visible_jobs(user):
    """Jobs a user may see: their own, and those of organizations whose members they manage."""
    if user is None or not user.is_authenticated:
        return ImportJob.objects.none()
    return ImportJob.objects.filter(
        Q(created_by_id=user.pk) | path_q("org__path", scope_paths(user, PERMISSION))
    ).select_related("org", "created_by", "source")


def prepare_upload(upload):
    """Check an upload is a spreadsheet we can read; a CSV in another encoding (GB18030 from
    Excel on Chinese Windows, UTF-16) is stored transcoded to UTF-8 with BOM, so it passes the
    attachment checks and opens correctly in Excel. Raises ValidationError (Chinese)."""
    size = getattr(upload, "size", None) or 0
    if size <= 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("The file is larger than %(mb)s MB. Split it into smaller files.")
            % {"mb": max_megabytes()},
            code="too_large",
        )
    try:
        kind = detect_kind(upload)
        if kind != CSV:
            return upload
        upload.seek(0)
        data = upload.read()
        upload.seek(0)
        text, encoding = decode_text(data)
    except ImportFileError as exc:
        raise ValidationError(exc.message, code="unreadable") from exc
    if encoding in ("utf-8", "utf-8-sig"):
        return upload
    stem = PurePath(getattr(upload, "name", "") or "import").stem or "import"
    return ContentFile(b"\xef\xbb\xbf" + text.encode("utf-8"), name=f"{stem}.csv")


@transaction.atomic
def import_job_create(*, actor, org, upload, strict: bool = True) -> ImportJob:
    """Store the file and queue the import into `org` (the actor manages its members)."""
    require_perm(actor, PERMISSION, org)
    if org.kind not in TARGET_KINDS or not org.is_active:
        raise ValidationError({"org": _("Import into an active committee or branch.")})
    upload = prepare_upload(upload)
    attachment = attachment_store(
        actor=actor,
        org=org,
        upload=upload,
        read_permission=PERMISSION,
        allowed=UPLOAD_TYPES,
        permission=PERMISSION,
    )
    job = ImportJob.objects.create(org=org, source=attachment, strict=strict, created_by=actor)
    audit_record(
        actor=actor,
        action="members.import_queue",
        target=job,
        org=org,
        changes={"file": attachment.original_name, "size": attachment.size, "strict": strict},
    )
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from dangjian.members.tasks import import_people

    import_people.delay(job_id)


def _update(job_id: int, **fields) -> None:
    """A small UPDATE outside any import transaction, so the job page sees it at once."""
    ImportJob.objects.filter(pk=job_id).update(**fields)


def _targets(actor, org) -> tuple[dict, dict]:
    """Branches and party groups (by code) under `org` that `actor` manages: one query."""
    branches, groups = {}, {}
    orgs = Organization.objects.filter(
        path__startswith=org.path, is_active=True, kind__in={*BRANCH_KINDS, PARTY_GROUP}
    )
    if actor is not None:
        orgs = orgs.filter(path_q("path", scope_paths(actor, PERMISSION)))
    for found in orgs.only("id", "code", "name", "kind", "parent_id", "path"):
        (groups if found.kind == PARTY_GROUP else branches)[found.code] = found
    return branches, groups


def import_job_run(job_id: int) -> ImportJob | None:
    """Run a queued job once (a second delivery of the task finds it taken and does nothing)."""
    if not ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING
    ):
        return None
    job = ImportJob.objects.select_related("org", "source", "created_by").get(pk=job_id)
    with translation.override(settings.LANGUAGE_CODE):
        try:
            _run(job)
        except ImportFileError as exc:
            _finish(job, ImportStatus.REJECTED, message=exc.message)
        except OutOfScope:
            _finish(job, ImportStatus.REJECTED, message=_(
                "You no longer manage the member records of this organization; nothing was "
                "imported."))  # fmt: skip
        except IntegrityError:
            logger.warning("import %s: integrity error while writing", job_id, exc_info=True)
            _finish(job, ImportStatus.FAILED, message=_(
                "While the file was being imported someone else saved a person with one of its "
                "ID numbers. Nothing was imported; import the file again."))  # fmt: skip
        except Exception:
            logger.exception("import %s failed", job_id)
            _finish(job, ImportStatus.FAILED, message=_(
                "The import failed unexpectedly. Nothing was imported. Try again later or "
                "contact the system administrator."))  # fmt: skip
    job.refresh_from_db()
    return job


def _finish(job: ImportJob, status: str, *, message: str, **fields) -> None:
    _update(job.pk, status=status, message=message[:500], finished_at=timezone.now(), **fields)


def _run(job: ImportJob) -> None:
    actor = job.created_by
    require_perm(actor, PERMISSION, job.org)
    with job.source.file.open("rb") as handle:
        table = read_table(handle)
    total = len(table.rows)
    _update(job.pk, total_rows=total, processed_rows=0)
    branches, groups = _targets(actor, job.org)
    today = timezone.localdate()
    checker = RowChecker(table, branches=branches, groups=groups, existing=existing_people,
                         today=today)  # fmt: skip
    people, errors, error_rows, done = [], [], 0, 0
    for chunk in chunks(table.rows, CHECK_CHUNK):
        for result in checker.check(chunk):
            if result.errors:
                error_rows += 1
                errors.extend(result.errors)
            else:
                people.append(result.person)
        done += len(chunk)
        _update(job.pk, processed_rows=done)
    notes = []
    if table.unknown:
        notes.append(
            _("Columns that are not in the template were ignored: %(columns)s.")
            % {"columns": "、".join(table.unknown[:10])}
        )
    if len(errors) > MAX_REPORT_ENTRIES:
        notes.append(_("The report lists the first %(n)s problems.") % {"n": MAX_REPORT_ENTRIES})
        errors = errors[:MAX_REPORT_ENTRIES]
    result = dict(errors=errors, error_rows=error_rows, processed_rows=total)
    if error_rows and job.strict:
        message = _(
            "%(rows)s of %(total)s rows have problems. In strict mode nothing was imported: "
            "correct the rows listed in the report and import the file again."
        ) % {"rows": error_rows, "total": total}
        _finish(job, ImportStatus.REJECTED, message=" ".join([message, *notes]), **result)
        return
    if not people:
        message = _("Nothing to import: every row has problems.")
        _finish(job, ImportStatus.REJECTED, message=" ".join([message, *notes]), **result)
        return
    message = _("%(n)s people imported.") % {"n": len(people)}
    if error_rows:
        message += " " + _(
            "%(rows)s rows with problems were left out: correct them and import just those "
            "rows again."
        ) % {"rows": error_rows}
    _write(job, actor, people, today=today, message=" ".join([message, *notes]), **result)


def _write(job: ImportJob, actor, people: list[Person], *, today, message: str, **result):
    """Everything in one transaction: people, their stage history, the result, the audit."""
    by_actor = actor if actor is not None and actor.is_authenticated else None
    with transaction.atomic():
        require_perm(actor, PERMISSION, job.org)
        for batch in chunks(people, WRITE_BATCH):
            Person.objects.bulk_create(batch)
        reason = _("Imported (import #%(id)s)") % {"id": job.pk}
        StageChange.objects.bulk_create(
            (
                StageChange(
                    person=person,
                    from_stage="",
                    to_stage=person.stage,
                    on=today,
                    reason=reason,
                    recorded_by=by_actor,
                )
                for person in people
            ),
            batch_size=WRITE_BATCH,
        )
        stages: dict[str, int] = {}
        for person in people:
            stages[person.stage] = stages.get(person.stage, 0) + 1
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.DONE,
            imported_rows=len(people),
            message=message[:500],
            finished_at=timezone.now(),
            **result,
        )
        audit_record(
            actor=actor,
            action="members.import",
            target=job,
            org=job.org,
            changes={
                "job": job.pk,
                "file": job.source.original_name,
                "rows": result["processed_rows"],
                "imported": len(people),
                "error_rows": result["error_rows"],
                "strict": job.strict,
                "stages": stages,
            },
        )


def import_report_response(*, actor, job: ImportJob):
    """The job's problem report as a watermarked .xlsx download; the download is audited."""
    headers = [_("Row"), _("Column"), _("Value"), _("Problem")]
    rows = ((e.get("row"), e.get("column"), e.get("value"), e.get("reason")) for e in job.errors)
    response, count = xlsx_response(
        filename=f"import-{job.pk}-report",
        title=_("Import report"),
        headers=headers,
        rows=rows,
        user=actor,
    )
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="members.import_report",
            target=job,
            org=job.org,
            changes={"rows": count},
        )
    return response
