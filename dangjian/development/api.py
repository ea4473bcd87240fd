"""/api/v1/development/pipelines/: member development over the API, through the same services.

GET  development/pipelines/                  list (filters: status, stage, branch, overdue, q)
GET  development/pipelines/{id}/             one pipeline with its recorded steps
POST development/pipelines/                  {person, applied_on, responsible, note} — step 1
POST development/pipelines/{id}/steps/       record one step (services.step_record)
GET  development/pipelines/{id}/timeline/    the 25 steps with their state and allowed window

Reading needs development.view (a person also reads their own pipeline); recording needs what
the step needs (development.manage, .approve for the higher committee's steps, .override for an
exception). Out of scope answers 404, a refused step 400 with the Chinese reason per field.
"""

import django_filters
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dangjian.core.api import ScopedViewSetMixin
from dangjian.development import services
from dangjian.development.models import Pipeline, PipelineStatus, StepRecord
from dangjian.development.selectors import pipeline_view, policy_for
from dangjian.development.serializers import (
    PipelineDetailSerializer,
    PipelineSerializer,
    PipelineStartSerializer,
    StepRecordInputSerializer,
    TimelineSerializer,
    timeline_data,
)
from dangjian.members import selectors as member_selectors
from dangjian.members.choices import Stage
from dangjian.members.models import Person
from dangjian.rules import RuleError
from dangjian.rules import development as rules


class PipelineApiFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"), method="search",
        help_text=_("Name, pinyin initials or full pinyin (prefix) of the person."),
    )  # fmt: skip
    status = django_filters.ChoiceFilter(label=_("status"), choices=PipelineStatus.choices)
    stage = django_filters.MultipleChoiceFilter(
        label=_("Stage"), field_name="person__stage", choices=Stage.choices,
        help_text=_("The person's current stage (applicant, activist, candidate, probationary…)"),
    )  # fmt: skip
    branch = django_filters.NumberFilter(label=_("Branch id"), field_name="person__branch_id")
    overdue = django_filters.BooleanFilter(
        label=_("Has overdue items"), method="filter_overdue",
        help_text=_("true: at least one step is overdue; false: none is"),
    )  # fmt: skip

    class Meta:
        model = Pipeline
        fields = ["q", "status", "stage", "branch", "overdue"]

    def search(self, queryset, name, value):
        people = member_selectors.person_search(Person.objects.all(), value)
        return queryset.filter(person__in=people.values("pk"))

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(overdue_count__gt=0) if value else queryset.filter(overdue_count=0)


def probation_end_of(pipeline: Pipeline):
    """The end of probation once the member is admitted (approval recorded), else None."""
    dates = {r.step: r.on for r in pipeline.steps.all()}
    if "approval" not in dates or "branch_meeting" not in dates:
        return None
    try:
        policy = policy_for(pipeline.person.branch)
        return rules.probation_end(dates["branch_meeting"], pipeline.extension_months, policy)
    except RuleError:
        return None


class PipelineViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Development pipelines in the caller's scope (and the caller's own). Every write goes
    through the development services, which check the step's own permission and rules."""

    queryset = Pipeline.objects.all()
    serializer_class = PipelineSerializer
    filterset_class = PipelineApiFilter
    view_action = "development.view"
    manage_action = "development.manage"

    def base_queryset(self):
        qs = Pipeline.objects.select_related("person__branch")
        if self.action in ("retrieve", "record_step"):
            steps = StepRecord.objects.select_related(
                "vote", "approving_org", "entered_by"
            ).prefetch_related("people", "documents")
            qs = qs.prefetch_related(Prefetch("steps", queryset=steps))
        return qs

    def get_serializer_class(self):
        return PipelineDetailSerializer if self.action == "retrieve" else PipelineSerializer

    def _read(self, pipeline: Pipeline, code=status.HTTP_200_OK) -> Response:
        steps = StepRecord.objects.select_related("vote", "approving_org", "entered_by")
        pipeline = (
            Pipeline.objects.select_related("person__branch")
            .prefetch_related(
                Prefetch("steps", queryset=steps.prefetch_related("people", "documents"))
            )
            .get(pk=pipeline.pk)
        )
        context = {**self.get_serializer_context(), "probation_end": probation_end_of(pipeline)}
        return Response(PipelineDetailSerializer(pipeline, context=context).data, code)

    def retrieve(self, request, *args, **kwargs):
        return self._read(self.get_object())

    @extend_schema(
        request=PipelineStartSerializer,
        responses={201: PipelineDetailSerializer},
        description="Start development: step 1, the written application received on "
        "`applied_on` (services.pipeline_start). Needs development.manage on the person's branch.",
    )
    def create(self, request, *args, **kwargs):
        serializer = PipelineStartSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        pipeline = services.pipeline_start(actor=request.user, **serializer.validated_data)
        return self._read(pipeline, status.HTTP_201_CREATED)

    @extend_schema(
        request=StepRecordInputSerializer,
        responses={201: PipelineDetailSerializer},
        description="Record one step (services.step_record). A step that breaks a rule of the "
        "policy in force is refused (400, the Chinese reason under `on`); a rule that may be set "
        "aside is recorded as an exception when `justification` is given by a holder of "
        "development.override. The higher committee's steps need development.approve. "
        "Documents are not uploaded through the API: attach them on the step's page.",
    )
    @action(detail=True, methods=["post"], url_path="steps", url_name="steps")
    def record_step(self, request, *args, **kwargs):
        pipeline = self.get_object()  # 404 before validating the body
        serializer = StepRecordInputSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        services.step_record(actor=request.user, pipeline=pipeline, **serializer.validated_data)
        return self._read(pipeline, status.HTTP_201_CREATED)

    @extend_schema(
        responses={200: TimelineSerializer},
        description="The 25 steps evaluated today: state, allowed window (earliest, latest and "
        "the reasons naming the policy), the earlier steps still missing, and the violations.",
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def timeline(self, request, *args, **kwargs):
        return Response(timeline_data(pipeline_view(self.get_object())))
