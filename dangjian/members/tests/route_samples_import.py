"""Route-walker samples of the import pages (merged into core/tests/test_routes.py).

Each function makes an import job in branch C of the other company — which the secretary of
branch A must not see — and returns the URL kwargs. Seer: committee_admin (it started the job).
"""

from django.core.files.base import ContentFile

from dangjian.attachments.services import attachment_store
from dangjian.members.imports import template_csv
from dangjian.members.models import ImportJob


def _import_job_of_branch_c(tree, personas) -> dict:
    source = attachment_store(
        actor=None,
        org=tree.branch_c,
        upload=ContentFile(template_csv(), name="变电运维党员.csv"),
        read_permission="members.manage",
    )
    job = ImportJob.objects.create(
        org=tree.branch_c,
        source=source,
        created_by=personas.committee_admin,
        status="rejected",
        total_rows=1,
        processed_rows=1,
        error_rows=1,
        errors=[
            {
                "row": 2,
                "column": "公民身份号码",
                "value": "1101**********0031",
                "reason": "这是导入模板中的示例行，请删除。",
            }
        ],
        message="示例",
    )
    return {"pk": job.pk}


SAMPLES = {
    "members:import_job": _import_job_of_branch_c,
    "members:import_job_status": _import_job_of_branch_c,
    "members:import_report": _import_job_of_branch_c,
}
