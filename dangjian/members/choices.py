"""Enumerations of the member record (national collection items, DOMAIN.md §4)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Stage(models.TextChoices):
    """Lifecycle stage; the last three are exits (the record stays, the person is inactive)."""

    EMPLOYEE = "employee", _("Employee (non-member)")
    APPLICANT = "applicant", _("Applicant")
    ACTIVIST = "activist", _("Activist")
    CANDIDATE = "candidate", _("Candidate")
    PROBATIONARY = "probationary", _("Probationary member")
    FULL = "full", _("Full member")
    TRANSFERRED_OUT = "transferred_out", _("Transferred out")
    DIED = "died", _("Died")
    LEFT = "left", _("Left or removed")


EXIT_STAGES = frozenset({Stage.TRANSFERRED_OUT, Stage.DIED, Stage.LEFT})
MEMBER_STAGES = frozenset({Stage.PROBATIONARY, Stage.FULL})
DEVELOPMENT_STAGES = frozenset({Stage.APPLICANT, Stage.ACTIVIST, Stage.CANDIDATE})
# Who may have a development pipeline started (a record imported mid-way is backfilled).
STARTABLE_STAGES = DEVELOPMENT_STAGES | {Stage.EMPLOYEE}


class Standing(models.TextChoices):
    NORMAL = "normal", _("Normal")
    SUSPENDED = "suspended", _("Suspended")


class Education(models.TextChoices):
    """Education levels, coarse-grained as in the party statistics bulletin."""

    POSTGRADUATE = "postgraduate", _("Postgraduate")
    BACHELOR = "bachelor", _("Bachelor's degree")
    COLLEGE = "college", _("Junior college")
    SECONDARY_VOCATIONAL = "secondary_vocational", _("Secondary vocational school")
    HIGH_SCHOOL = "high_school", _("High school")
    JUNIOR_HIGH_OR_BELOW = "junior_high", _("Junior high school or below")


class PersonnelCategory(models.TextChoices):
    """人员类别 (national collection item)."""

    WORKER = "worker", _("Worker")
    TECHNICIAN = "technician", _("Professional or technical staff")
    MANAGER = "manager", _("Enterprise management staff")
    CIVIL_SERVANT = "civil_servant", _("Party and government staff")
    RETIRED = "retired", _("Retired")
    STUDENT = "student", _("Student")
    FARMER = "farmer", _("Farmer, herdsman or fisherman")
    OTHER = "other", _("Other")


# The 56 ethnic groups in the order of GB 3304 codes 01–56 (code = index + 1).
ETHNICITIES = (
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族",
    "布依族", "朝鲜族", "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族",
    "哈萨克族", "傣族", "黎族", "傈僳族", "佤族", "畲族", "高山族", "拉祜族",
    "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族", "达斡尔族", "仫佬族",
    "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族",
    "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族",
    "京族", "塔塔尔族", "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族",
)  # fmt: skip
ETHNICITY_CHOICES = [(f"{i:02d}", name) for i, name in enumerate(ETHNICITIES, start=1)]


class RewardKind(models.TextChoices):
    REWARD = "reward", _("Reward")
    PUNISHMENT = "punishment", _("Punishment")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class VerificationStatus(models.TextChoices):
    PENDING = "pending", _("Not yet checked")
    CONFIRMED = "confirmed", _("Confirmed")
    CORRECTED = "corrected", _("Correction requested")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    REJECTED = "rejected", _("Rejected (nothing imported)")
    FAILED = "failed", _("Failed (nothing imported)")
