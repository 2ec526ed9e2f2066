"""技术合同认定登记 pages: the list (scoped: an enterprise its own, a district its area's, the bureau all) with its
Excel export, a contract with its review steps, entry by the registering office, and the statistics with filters
and their Excel export."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from heluo.core.i18n import Bilingual, Refusal, in_language
from heluo.core.models import Role
from heluo.core.permissions import CHANGE, scope_for
from heluo.core.spreadsheets import table_xlsx, xlsx_response
from heluo.geo.models import Area
from heluo.geo.selectors import home_city
from heluo.taxonomy.models import Cluster, HitechField

from ..engine import contracts as rules
from ..models import ContractState, ContractType, TechnologyContract
from ..selectors import brokering
from ..selectors import contracts as selectors
from ..services import contracts as services

MAX_PERIOD_YEARS = 50
# the history's events that are no step of the workflow: the entry and the national system's imports
EVENT_LABELS = {
    "submitted": Bilingual("受理", "Entered for review"),
    "imported": Bilingual("导入", "Imported"),
    "import_updated": Bilingual("导入更新", "Updated by an import"),
}


def _role_scope(request):
    scope = scope_for(request.user)
    if scope.is_staff or (scope.role == Role.ORG_USER and scope.organization_id):
        return scope
    raise PermissionDenied


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip()) if (value or "").strip() else None
    except ValueError:
        return None


def _int(value, low, high):
    try:
        n = int(value)
    except (TypeError, ValueError):
        return None
    return n if low <= n <= high else None


def _message(error) -> str:
    if isinstance(error, Refusal):
        return str(error.reason)
    if isinstance(error, PermissionDenied) and error.args:
        return in_language(error.args[0])
    if isinstance(error, ValidationError):
        return "；".join(in_language(m) for m in error.messages)
    return str(error)


def _offices(user):
    scope = scope_for(user)
    qs = Area.objects.exclude(kind__in=[Area.Kind.PROVINCE]).filter(valid_to__isnull=True)
    if not scope.is_bureau:
        qs = qs.filter(pk__in=scope.area_ids)
    return qs.order_by("sort", "code")


# --- the list --------------------------------------------------------------------------------------------------


@login_required
def contract_list(request):
    scope = _role_scope(request)
    g = request.GET
    state = g.get("state") if g.get("state") in ContractState.values else None
    ctype = g.get("type") if g.get("type") in ContractType.values else None
    year = _int(g.get("year"), 1980, 2100)
    area = Area.objects.filter(pk=_int(g.get("area"), 1, 2**31)).first() if g.get("area") else None
    q = (g.get("q") or "").strip()[:100]
    qs = selectors.contract_list(request.user, state=state, contract_type=ctype, year=year, area=area, q=q)
    if g.get("format") == "xlsx":
        return _list_xlsx(qs)
    page = Paginator(qs, 50).get_page(g.get("page"))
    query = g.copy()
    query.pop("page", None)
    return render(
        request,
        "market/contracts.html",
        {
            "page": page,
            "f": {"state": state or "", "type": ctype or "", "year": year or "", "area": area.pk if area else "", "q": q},
            "query": query.urlencode(),
            "states": ContractState.choices,
            "types": ContractType.choices,
            "areas": _offices(request.user) if scope.is_staff else [],
            "may_enter": selectors.may_enter(request.user),
            "today": dt.date.today(),
        },
    )


def _list_xlsx(qs):
    headers = [
        _("Registration number"),
        _("Contract name"),
        _("Contract type"),
        _("Seller"),
        _("Seller's credit code"),
        _("Buyer"),
        _("Buyer's credit code"),
        _("Buyer's location"),
        _("Contract amount (yuan)"),
        _("Non-technical costs (yuan)"),
        _("Technical transaction amount (yuan)"),
        _("Signed on"),
        _("Registered on"),
        _("Registering office"),
        _("State"),
    ]
    rows = (
        [
            c.registration_number or "",
            c.name,
            c.get_contract_type_display(),
            c.seller_name,
            c.seller_uscc,
            c.buyer_name,
            c.buyer_uscc,
            c.get_buyer_location_display(),
            c.contract_amount,
            c.non_technical_costs,
            c.transaction_amount,
            c.signed_on,
            c.registered_on,
            c.office.name,
            c.get_state_display(),
        ]
        for c in qs.iterator(chunk_size=2000)
    )
    return xlsx_response(table_xlsx(_("Technology contracts"), headers, rows), "technology-contracts", dated=True)


# --- one contract and its review -------------------------------------------------------------------------------


def _contract(user, pk) -> TechnologyContract:
    contract = (
        selectors.contracts_for(user).select_related("office", "seller_area", "buyer_area", "hitech_field", "cluster").filter(pk=pk).first()
    )
    if contract is None:
        raise Http404
    return contract


@login_required
def contract_detail(request, pk):
    _role_scope(request)
    contract = _contract(request.user, pk)
    try:
        rs = rules.rule_set(contract.rule_set)
    except rules.ContractRuleError:  # a rule set no longer in the data: the one in force on the registration date
        rs = rules.rule_set_for(contract.registered_on or contract.submitted_on)
    flow = rules.workflow()
    return render(
        request,
        "market/contract.html",
        {
            "c": contract,
            "rule_set": rs,
            "state_label": flow.state_label(contract.state)[0],
            "subtype_label": rs.subtypes(contract.contract_type).get(contract.subtype, {}).get("zh", contract.subtype),
            "events": _labelled(contract.events.select_related("actor"), flow),
            "brokerings": brokering.of_contract(request.user, contract),
            "actions": services.available_actions(request.user, contract),
            "types": [(k, t["zh"]) for k, t in rs.types.items() if k != contract.contract_type],
            "subtypes": [(k, s["zh"]) for t in rs.types.values() for k, s in t["subtypes"].items()],
            "overdue": selectors.overdue(contract),
            "deadline_days": rs.deadline_days,
            "may_edit": contract.state == ContractState.SUBMITTED
            and selectors.may_enter(request.user)
            and TechnologyContract.objects.restrict(request.user, CHANGE).filter(pk=pk).exists(),
            "rd_deductible": rules.entrusted_rd_deductible(rs, contract.contract_type, contract.subtype, contract.contract_amount),
            "vat_exempt": contract.contract_type in rs.tax("vat_exempt_types"),
        },
    )


def _labelled(events, flow) -> list:
    """The events with their step's and states' names in the page's language, never their codes."""
    events = list(events)
    for e in events:
        step = flow.transitions.get(e.kind)
        e.label = Bilingual(*step.label) if step else EVENT_LABELS.get(e.kind, Bilingual(e.kind, e.kind))
        e.from_label = Bilingual(*flow.state_label(e.from_state)) if e.from_state else None
        e.to_label = Bilingual(*flow.state_label(e.to_state))
    return events


@login_required
@require_POST
def contract_step(request, pk, action):
    contract = _contract(request.user, pk)
    if action not in rules.workflow().transitions:
        raise Http404
    try:
        services.contract_transition(
            request.user,
            contract,
            action,
            reason=(request.POST.get("reason") or "")[:500],
            new_type=(request.POST.get("contract_type") or "")[:20],
            new_subtype=(request.POST.get("subtype") or "")[:20],
            on=_date(request.POST.get("on")),
        )
        messages.success(request, _("Done."))
    except (Refusal, PermissionDenied) as exc:
        messages.error(request, _message(exc))
    return redirect("market:contract", pk=pk)


# --- entry -----------------------------------------------------------------------------------------------------


class ContractForm(forms.ModelForm):
    subtype = forms.ChoiceField(label=gettext_lazy("sub-type"), required=False)
    transaction_amount = forms.DecimalField(
        label=gettext_lazy("technical transaction amount"),
        required=False,
        max_digits=16,
        decimal_places=2,
        help_text=gettext_lazy("Leave empty: contract amount less non-technical costs."),
    )

    class Meta:
        model = TechnologyContract
        fields = [
            "name",
            "contract_number",
            "contract_type",
            "subtype",
            "seller_name",
            "seller_uscc",
            "buyer_name",
            "buyer_uscc",
            "buyer_location",
            "contract_amount",
            "non_technical_costs",
            "signed_on",
            "valid_from",
            "valid_to",
            "submitted_on",
            "office",
            "hitech_field",
            "cluster",
        ]
        widgets = {f: forms.DateInput(attrs={"type": "date"}) for f in ("signed_on", "valid_from", "valid_to", "submitted_on")}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        rs = rules.rule_sets()[-1]
        self.fields["subtype"].choices = [("", "—")] + [(k, s["zh"]) for t in rs.types.values() for k, s in t["subtypes"].items()]
        self.fields["buyer_location"].required = False
        self.fields["buyer_location"].help_text = _("Derived from the buyer's code or registered organization where possible.")
        self.fields["office"].queryset = _offices(user)
        self.fields["hitech_field"].queryset = HitechField.objects.all()
        self.fields["cluster"].queryset = Cluster.objects.all()
        for name in ("seller_uscc", "buyer_uscc"):
            self.fields[name].validators = []  # the service checks the code and says which character is wrong
        self.fields["transaction_amount"].initial = self.instance.transaction_amount if self.instance.pk else None

    def _get_validation_exclusions(self):
        """The amounts' rule is the service's (it computes the 技术交易额 first and names the field that breaks it)."""
        return {*super()._get_validation_exclusions(), "contract_amount", "non_technical_costs", "transaction_amount", "state"}


@login_required
def contract_edit(request, pk=None):
    if not selectors.may_enter(request.user):
        raise PermissionDenied
    contract = _contract(request.user, pk) if pk else TechnologyContract()
    if pk and contract.state != ContractState.SUBMITTED:
        raise PermissionDenied
    form = ContractForm(request.POST or None, instance=contract, user=request.user)
    if request.method == "POST" and form.is_valid():
        contract = form.save(commit=False)
        contract.subtype = form.cleaned_data.get("subtype") or ""
        try:
            services.contract_save(request.user, contract, form.cleaned_data.get("transaction_amount"))
            messages.success(request, _("Saved."))
            return redirect("market:contract", pk=contract.pk)
        except Refusal as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.reason))
        except (PermissionDenied, ValidationError) as exc:
            form.add_error(None, _message(exc))
    return render(request, "market/contract_form.html", {"form": form, "c": contract})


# --- statistics ------------------------------------------------------------------------------------------------


BY_LABELS = {
    "area": gettext_lazy("District/county"),
    "cluster": gettext_lazy("Industry cluster"),
    "type": gettext_lazy("Contract type"),
    "direction": gettext_lazy("Direction"),
    "year": gettext_lazy("Year"),
}


def statistics_query(get):
    """The statistics' filters from a query string, bounded (an unknown value falls back to the default)."""
    by = get.get("by") if get.get("by") in selectors.GROUPINGS else "area"
    direction = get.get("direction") if get.get("direction") in selectors.DIRECTIONS else selectors.OUTPUT
    date_from, date_to = _date(get.get("from")), _date(get.get("to"))
    if date_from and date_to and (date_to < date_from or (date_to.year - date_from.year) > MAX_PERIOD_YEARS):
        date_from = date_to = None
    return by, direction, date_from, date_to


@login_required
def contract_statistics(request):
    _role_scope(request)
    by, direction, date_from, date_to = statistics_query(request.GET)
    stats = selectors.statistics(request.user, by, direction, date_from, date_to)
    headers = [str(BY_LABELS[by]), _("Contracts"), _("Contract amount (10k yuan)"), _("Technical transaction amount (10k yuan)")]
    if request.GET.get("format") == "xlsx":
        rows = [[r.label, r.count, r.contract_wan, r.transaction_wan] for r in [*stats.rows, stats.total]]
        return xlsx_response(table_xlsx(_("Technology contract statistics"), headers, rows), "technology-contract-statistics", dated=True)
    query = request.GET.copy()
    query.pop("format", None)
    return render(
        request,
        "market/contract_statistics.html",
        {
            "stats": stats,
            "headers": headers,
            "by_labels": BY_LABELS.items(),
            "directions": [(k, zh) for k, (zh, _en) in selectors.DIRECTIONS.items()],
            "f": {"by": by, "direction": direction, "from": date_from or "", "to": date_to or ""},
            "query": query.urlencode(),
            "city": home_city(),
        },
    )


@login_required
def contract_new(request):
    return contract_edit(request)
