"""Import kinds for talents (programme memberships) and experts; people are matched by ID number."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from heluo.core.audit import serialize
from heluo.core.cells import CellError, make_choice_parser, parse_bool, parse_checked_code, parse_year, split_list
from heluo.core.codes import check_id_number
from heluo.core.imports import Column, ImportKind, record_row_exception, register
from heluo.core.lookups import ReferenceLookup
from heluo.orgs.models import Organization
from heluo.taxonomy.selectors import hitech_lookup, industry_lookup

from . import services
from .models import Expert, Person, TalentMembership, TalentProgramme


def parse_id_number(value):
    return parse_checked_code(value, check_id_number, "身份证号码", "ID number")


PERSON_COLUMNS = [
    Column("person_name", "姓名", "Name", required=True, get=lambda o: o.person.name),
    Column(
        "id_number",
        "身份证号码",
        "ID number",
        parse_id_number,
        required=True,
        note_zh="18位，按 GB 11643 校验；导出时打码",
        get=lambda o: o.person.masked_id_number,
    ),
    Column(
        "gender",
        "性别",
        "Gender",
        make_choice_parser([("male", "男", "male"), ("female", "女", "female")]),
        get=lambda o: {"male": "男", "female": "女"}.get(o.person.gender),
    ),
    Column(
        "employer",
        "工作单位",
        "Employer",
        note_zh="工作单位的统一社会信用代码",
        get=lambda o: o.person.employer.uscc if o.person.employer_id else None,
    ),
    Column("title", "职称/职务", "Title", get=lambda o: o.person.title),
    Column("degree", "学历学位", "Degree", get=lambda o: o.person.degree),
    Column("phone", "联系电话", "Phone", get=lambda o: o.person.phone),
    Column("email", "电子邮箱", "Email", get=lambda o: o.person.email),
]
PERSON_FIELDS = {"person_name": "name", "gender": "gender", "title": "title", "degree": "degree", "phone": "phone", "email": "email"}


class PersonImport(ImportKind):
    """Shared by talents and experts: find or create the person, then the role record."""

    def resolve_person(self, ctx, rows):
        codes = [r.values["employer"] for r in rows if r.values.get("employer")]
        employers = dict(Organization.objects.restrict(ctx.user, "view").filter(uscc__in=codes).values_list("uscc", "pk"))
        for row in rows:
            code = row.values.get("employer")
            if code and code not in employers:
                ctx.error(row, "employer", f"找不到工作单位“{code}”", f"unknown employer '{code}'")
            row.values["employer"] = employers.get(code)
        # people are found by the keyed hash of the number (the column is encrypted): one query per thousand rows
        numbers = sorted({r.values["id_number"] for r in rows if r.values.get("id_number")})
        known, changeable = {}, set()
        for start in range(0, len(numbers), 1000):
            found = {p.id_number: p.pk for p in Person.objects.filter(id_number__in=numbers[start : start + 1000]).only("pk", "id_number")}
            known.update(found)
            changeable.update(Person.objects.restrict(ctx.user, "change").filter(pk__in=found.values()).values_list("pk", flat=True))
        for row in rows:
            pk = known.get(row.values.get("id_number"))
            if pk and pk not in changeable:
                ctx.error(row, "id_number", "该人员已登记，但不在您的权限范围内", "this person is registered but outside your scope")

    def save_person(self, ctx, row):
        v = row.values
        person = Person.objects.filter(id_number=v["id_number"]).first()
        before = serialize(person) if person else None
        person = person or Person(id_number=v["id_number"])
        for key, field in PERSON_FIELDS.items():
            if v.get(key) is not None:
                setattr(person, field, v[key])
        if v.get("employer"):
            person.employer_id = v["employer"]
        if not person.birth_year:
            person.birth_year = int(v["id_number"][6:10])
        if before is None or serialize(person) != before:
            services.person_save(ctx.user, person)
            return person, True
        return person, False


@register
class TalentImport(PersonImport):
    kind = "talents"
    label = _("Talents")
    model = TalentMembership
    key = ("id_number", "programme", "year")
    columns = PERSON_COLUMNS + [
        Column("programme", "人才计划", "Talent programme", required=True, get=lambda m: m.programme.name_zh),
        Column("year", "入选年度", "Year selected", parse_year, required=True),
        Column("category", "入选类别", "Category"),
        Column("note", "备注", "Note"),
    ]

    def prepare_export(self, queryset):
        return queryset.select_related("person", "person__employer", "programme")

    def resolve(self, ctx, rows):
        programmes = ReferenceLookup(TalentProgramme.objects.all(), "人才计划", "talent programme")
        for row in rows:
            try:
                row.values["programme"] = programmes(row.values.get("programme"))
            except CellError as exc:
                ctx.error(row, "programme", exc.zh, exc.en)
        self.resolve_person(ctx, rows)

    def write(self, ctx, rows):
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        for row in rows:
            v = row.values
            try:
                with transaction.atomic():
                    person, person_changed = self.save_person(ctx, row)
                    membership = TalentMembership.objects.filter(person=person, programme_id=v["programme"], year=v["year"]).first()
                    created = membership is None
                    if created:
                        membership = TalentMembership(person=person, programme_id=v["programme"], year=v["year"])
                    before = None if created else serialize(membership)
                    for key in ("category", "note"):
                        if v.get(key) is not None:
                            setattr(membership, key, v[key])
                    changed = not created and serialize(membership) != before
                    if created or changed:  # through the service: the scope and field rules the API applies
                        services.membership_save(ctx.user, membership)
            except (PermissionDenied, ValidationError) as exc:
                record_row_exception(ctx, row, exc)
                continue
            counts["created" if created else "updated" if (changed or person_changed) else "unchanged"] += 1
        return counts


@register
class ExpertImport(PersonImport):
    kind = "experts"
    label = _("Experts")
    model = Expert
    key = ("id_number",)
    columns = PERSON_COLUMNS + [
        Column(
            "hitech_fields",
            "专业领域",
            "Fields",
            note_zh="高新技术领域代码或名称，多个用；分隔",
            get=lambda e: [f.code for f in e.hitech_fields.all()],
        ),
        Column(
            "industries",
            "行业",
            "Industries",
            note_zh="GB/T 4754 大类代码，多个用；分隔",
            get=lambda e: [i.code for i in e.industries.all()],
        ),
        Column("specialty", "研究方向", "Specialty"),
        Column("active", "是否在库", "Active", parse_bool),
    ]

    def prepare_export(self, queryset):
        return queryset.select_related("person", "person__employer").prefetch_related("hitech_fields", "industries")

    def resolve(self, ctx, rows):
        lookups = {"hitech_fields": hitech_lookup(), "industries": industry_lookup()}
        for row in rows:
            for key, lookup in lookups.items():
                if key in row.values:
                    try:
                        row.values[key] = sorted(lookup(x) for x in split_list(row.values[key]))
                    except CellError as exc:
                        ctx.error(row, key, exc.zh, exc.en)
        self.resolve_person(ctx, rows)

    def write(self, ctx, rows):
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        for row in rows:
            v = row.values
            try:
                with transaction.atomic():
                    person, person_changed = self.save_person(ctx, row)
                    expert = Expert.objects.filter(person=person).first()
                    created = expert is None
                    expert = expert or Expert(person=person)
                    before = None if created else serialize(expert)
                    for key in ("specialty", "active"):
                        if v.get(key) is not None:
                            setattr(expert, key, v[key])
                    m2m = {
                        key: v[key]
                        for key in ("hitech_fields", "industries")
                        if v.get(key) is not None and (created or sorted(getattr(expert, key).values_list("pk", flat=True)) != v[key])
                    }
                    changed = not created and (serialize(expert) != before or bool(m2m))
                    if created or changed:  # through the service: the scope and field rules the API applies
                        services.expert_save(ctx.user, expert, **m2m)
            except (PermissionDenied, ValidationError) as exc:
                record_row_exception(ctx, row, exc)
                continue
            counts["created" if created else "updated" if (changed or person_changed) else "unchanged"] += 1
        return counts
