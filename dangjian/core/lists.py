"""The one way to build a list page: scoped, searchable, filterable, paginated, exportable.

    class OrgListView(ScopedListView):
        model = Organization
        action = "orgs.view"
        search_fields = ["name", "code"]
        filterset_class = OrgFilter            # django-filter FilterSet, optional
        export_columns = [(_("Code"), "code"), (_("Name"), lambda o: o.name)]
        export_name = "organizations"          # ?export=xlsx downloads, audited

Subclasses that list data not owned by an org (e.g. the audit log) override `base_queryset`
and do their own permission check.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Q
from django.views.generic import ListView

from dangjian.audit.services import audit_record
from dangjian.core.exports import xlsx_response


class ScopedListView(LoginRequiredMixin, ListView):
    action: str = ""
    search_fields: list[str] = []
    filterset_class = None
    export_columns: list[tuple] = []
    export_name: str = ""
    paginate_by = 20
    max_export_rows = 100_000

    def base_queryset(self):
        return self.model.objects.restrict(self.request.user, self.action)

    def search(self, queryset, text: str):
        q = Q()
        for field in self.search_fields:
            q |= Q(**{f"{field}__icontains": text})
        return queryset.filter(q)

    def get_queryset(self):
        queryset = self.base_queryset()
        self.query_text = self.request.GET.get("q", "").strip()[:100]
        if self.query_text and self.search_fields:
            queryset = self.search(queryset, self.query_text)
        self.filterset = None
        if self.filterset_class is not None:
            self.filterset = self.filterset_class(
                self.request.GET or None, queryset=queryset, request=self.request
            )
            queryset = (
                self.filterset.qs
                if self.filterset.is_bound and self.filterset.is_valid()
                else queryset
            )
        return queryset

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx" and self.export_columns:
            return self.export()
        return super().get(request, *args, **kwargs)

    def export_rows(self, queryset):
        for obj in queryset[: self.max_export_rows].iterator(chunk_size=2000):
            yield [
                col(obj) if callable(col) else getattr(obj, col) for _, col in self.export_columns
            ]

    def export(self):
        queryset = self.get_queryset()
        response, count = xlsx_response(
            filename=self.export_name, title=self.export_name,
            headers=[label for label, _ in self.export_columns],
            rows=self.export_rows(queryset), user=self.request.user,
        )  # fmt: skip
        audit_record(
            actor=self.request.user,
            action="export." + self.export_name,
            changes={"rows": count, "query": self.request.GET.dict()},
        )
        return response

    def get_template_names(self):
        if (
            self.request.headers.get("HX-Request")
            and self.request.headers.get("HX-Target") == "list-results"
        ):
            return [f"{self.model._meta.app_label}/{self.model._meta.model_name}_list_results.html"]
        return super().get_template_names()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        query.pop("export", None)
        context.update(
            query_text=self.query_text,
            filterset=self.filterset,
            querystring=query.urlencode(),
            can_export=bool(self.export_columns),
        )
        return context
