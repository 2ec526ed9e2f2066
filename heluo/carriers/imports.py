"""Import kind: a round's annual figures (年度绩效数据), one row per platform and indicator, e.g. a host's sheet of
its platforms or the bureau's collected sheet.

A row is identified by (round, platform, indicator). The whole file is checked first: the round must be taking
figures, the platform must be in it and within the importer's reach (its host's, or any for the bureau), the
indicator in the platform kind's scheme, the value a number ≥ 0, and each platform's figures complete once the file
is merged with what it already reported. Then every platform goes through services.evaluation.figures_submit in
one transaction, or none does; importing the same file again changes nothing."""

from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from heluo.core.cells import clean_text, parse_decimal, parse_text
from heluo.core.i18n import Refusal
from heluo.core.imports import Column, ImportKind, record_row_exception, register
from heluo.core.permissions import CHANGE, VIEW

from .engine import scoring
from .models import Evaluation, EvaluationRound
from .selectors.schemes import schemes
from .services import evaluation as services


@register
class FiguresImport(ImportKind):
    kind = "carriers_figures"
    label = _("Innovation platforms: annual evaluation figures")
    model = Evaluation
    key = ("round", "platform", "indicator")
    columns = [
        Column("round", "评价名称", "Evaluation round", partial(parse_text, max_length=200), required=True, note_zh="年度评价的名称"),
        Column("platform", "平台名称", "Platform", partial(parse_text, max_length=200), required=True),
        Column(
            "indicator",
            "指标代码",
            "Indicator",
            partial(parse_text, max_length=40),
            required=True,
            note_zh="评价方案中的指标代码，如 pilot_runs",
        ),
        Column("value", "数值", "Value", parse_decimal, required=True, note_zh="非负数，单位见评价方案"),
    ]

    def export_queryset(self, user):
        return Evaluation.objects.none()  # the template's headers only: figures are entered, not round-tripped

    def resolve(self, ctx, rows):
        rounds = {}
        for r in EvaluationRound.objects.restrict(ctx.user, VIEW):
            rounds.setdefault(clean_text(r.title), []).append(r)
        wanted = {v[0] for v in (rounds.get(row.values.get("round")) for row in rows) if v and len(v) == 1}
        evaluations = {
            (e.round_id, clean_text(e.platform.name)): e
            for e in Evaluation.objects.restrict(ctx.user, CHANGE).filter(round__in=wanted).select_related("platform", "round")
        }
        groups = {}
        for row in rows:
            v = row.values
            found = rounds.get(v.get("round"), [])
            if v.get("round") is not None and len(found) != 1:
                ctx.error(row, "round", "找不到该年度评价", "no such evaluation round")
                continue
            if not row.ok:
                continue
            round_ = found[0]
            if round_.status != "open":
                ctx.error(row, "round", "本轮评价已截止报送数据", "this round no longer takes figures")
                continue
            e = evaluations.get((round_.pk, v["platform"]))
            if e is None:
                ctx.error(
                    row,
                    "platform",
                    "该平台不在本轮评价中（或不由您的单位依托）",
                    "the platform is not in this round (or not hosted by you)",
                )
                continue
            scheme = schemes()[e.platform.kind]
            if v["indicator"] not in {i.code for i in scheme.figures}:
                codes = "、".join(i.code for i in scheme.figures)
                ctx.error(
                    row,
                    "indicator",
                    f"该类平台的评价方案中没有此指标（可用：{codes}）",
                    f"not an indicator of this kind's scheme (use: {codes})",
                )
                continue
            if v["value"] < 0:
                ctx.error(row, "value", "数值不能为负", "the value cannot be negative")
                continue
            row.target = e
            groups.setdefault(e.pk, (e, dict(e.figures), []))[2].append(row)
            groups[e.pk][1][v["indicator"]] = v["value"]
        for e, figures, grouped in groups.values():
            for _code, zh, en in scoring.check_figures(schemes()[e.platform.kind], figures):
                ctx.error(grouped[0], None, f"“{e.platform.name}”：{zh}", f"'{e.platform.name}': {en}")
        ctx.groups = groups

    def write(self, ctx, rows):
        updated = unchanged = 0
        for e, figures, grouped in ctx.groups.values():
            before = (dict(e.figures), e.submitted_at)
            try:
                services.figures_submit(ctx.user, e, figures)
            except Refusal as exc:
                ctx.error(grouped[0], None, exc.zh, exc.en)
                continue
            except (PermissionDenied, ValidationError) as exc:
                record_row_exception(ctx, grouped[0], exc)
                continue
            if (e.figures, e.submitted_at) == before:
                unchanged += 1
            else:
                updated += 1
        return {"platforms_reported": updated, "unchanged": unchanged}
