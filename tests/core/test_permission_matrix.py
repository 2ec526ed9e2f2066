"""The permission matrix: who may view, change (field by field, value by value), create, delete and read the change
history of each registry object, declared once in MATRIX below and checked on every channel that has the action:
the web pages, the REST API and the imports (`run_import` with a one-row file).

Each cell (object, action, role) is its own test. Every channel is tried in a savepoint that is rolled back after
it, so the web, the API and the import each start from the same records.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

import openpyxl
import pytest
from django.db import models, transaction
from django.test import Client, override_settings
from django.urls import reverse

from heluo.core.codes import make_id_number, make_uscc
from heluo.core.imports import run_import
from heluo.orgs.forms import organization_label
from heluo.orgs.imports import ZH_KIND as ORG_KINDS
from heluo.orgs.imports import ZH_QUALIFICATION as QUALIFICATION_KINDS
from heluo.orgs.imports import ZH_STATUS as ANNUAL_STATUS
from heluo.orgs.models import DataStatus, EnterpriseAnnual, Organization, Qualification
from heluo.orgs.schemas import AnnualIn, OrganizationIn, QualificationIn
from heluo.orgs.views import ANNUAL, ORGANIZATION, QUALIFICATION
from heluo.people.models import Expert, Person, TalentMembership, TalentProgramme
from heluo.people.schemas import ExpertIn, PersonIn, TalentIn
from heluo.people.views import PERSON
from heluo.platforms.imports import ZH_KIND as PLATFORM_KINDS
from heluo.platforms.imports import ZH_LEVEL as LEVELS
from heluo.platforms.imports import ZH_STATUS as PLATFORM_STATUS
from heluo.platforms.models import Platform, PlatformStatus
from heluo.platforms.schemas import PlatformIn
from heluo.platforms.views import PLATFORM
from tests.conftest import make_world

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- the declared expectations ---------------------------------------------------------------------------------
#
# Roles (columns): anonymous; bureau administrator and staff; district staff of district A (ent_a, plat_a, person_a
# are in A; ent_b, plat_b, person_b are in B); the user of enterprise ent_a; the expert 王专家 (person "self",
# employed by ent_b).
#
#   ok     allowed: the page or record is shown; the value is stored (web, API and import alike)
#   no     seen but refused: API 403 (or 422 naming a value it may not use), web 403 or the field shown read-only
#          or the value refused on the form, import row error; nothing stored. History: not on the page, API 403.
#   hid    not seen at all: 404 on the web and the API, import row error; nothing stored
#   login  anonymous where sign-in (web) or a token (API) is needed: redirect to sign-in, API 401
#   bad    the role may write it, but the value is invalid: web form error, API 422, import row error; nothing stored
#
# "edit F=V" changes one field F to the value V; values named after the world: A = district A, zone = a zone
# inside A, B = district B, ent_* = enterprises, person_a2 = another employee of ent_a.

ROLES = ("anonymous", "admin", "staff", "district", "org", "expert")

MATRIX = """
object              action                      anonymous admin  staff  district org    expert
organization.a      view                        ok        ok     ok     ok       ok     ok
organization.a      history                     login     ok     ok     ok       ok     no
organization.a      edit phone                  login     ok     ok     ok       ok     no
organization.a      edit name                   login     ok     ok     ok       no     no
organization.a      edit kind                   login     ok     ok     ok       no     no
organization.a      edit is_published=False     login     ok     ok     ok       no     no
organization.a      edit area=zone              login     ok     ok     ok       no     no
organization.a      edit area=B                 login     ok     ok     no       no     no
organization.a      delete                      login     ok     ok     no       no     no
organization.b      view                        ok        ok     ok     ok       ok     ok
organization.b      history                     login     ok     ok     no       no     no
organization.b      edit phone                  login     ok     ok     no       no     no
organization.b      edit area=A                 login     ok     ok     no       no     no
organization.b      delete                      login     ok     ok     no       no     no
organization        create                      login     ok     ok     ok       no     no

annual.a            view                        login     ok     ok     ok       ok     hid
annual.a            history                     login     ok     ok     ok       ok     hid
annual.a            edit rd_expense             login     ok     ok     ok       ok     hid
annual.a            edit sales_revenue=-5       login     bad    bad    bad      bad    hid
annual.a            edit status=submitted       login     ok     ok     ok       ok     hid
annual.a            edit status=verified        login     ok     ok     ok       no     hid
annual.a            edit year                   login     ok     ok     ok       no     hid
annual.a            edit organization=ent_a2    login     ok     ok     no       no     hid
annual.a            edit organization=ent_b     login     ok     ok     no       no     hid
annual.a            delete                      login     ok     ok     no       ok     hid
annual.verified     view                        login     ok     ok     ok       ok     hid
annual.verified     edit rd_expense             login     ok     ok     ok       no     hid
annual.verified     edit status=draft           login     ok     ok     ok       no     hid
annual.verified     delete                      login     ok     ok     no       no     hid
annual.b            view                        login     ok     ok     hid      hid    hid
annual.b            history                     login     ok     ok     hid      hid    hid
annual.b            edit rd_expense             login     ok     ok     hid      hid    hid
annual.b            delete                      login     ok     ok     hid      hid    hid
annual              create                      login     ok     ok     ok       ok     no

platform.a          view                        ok        ok     ok     ok       ok     ok
platform.a          history                     login     ok     ok     ok       no     no
platform.a          edit description            login     ok     ok     ok       no     no
platform.a          edit level=national         login     ok     ok     ok       no     no
platform.a          edit is_published=False     login     ok     ok     ok       no     no
platform.a          edit area=zone              login     ok     ok     ok       no     no
platform.a          edit status=approved        login     ok     ok     ok       no     no
platform.a          edit area=B                 login     ok     ok     no       no     no
platform.a          delete                      login     ok     ok     no       no     no
platform.b          view                        hid       ok     ok     hid      hid    hid
platform.b          history                     login     ok     ok     hid      hid    hid
platform.b          edit description            login     ok     ok     hid      hid    hid
platform.b          edit status=approved        login     ok     ok     hid      hid    hid
platform.b          delete                      login     ok     ok     hid      hid    hid
platform            create                      login     ok     ok     ok       no     no

person.a            view                        login     ok     ok     ok       ok     hid
person.a            history                     login     ok     ok     ok       ok     hid
person.a            edit phone                  login     ok     ok     ok       ok     hid
person.a            edit name                   login     ok     ok     ok       ok     hid
person.a            edit employer=ent_a2        login     ok     ok     ok       no     hid
person.a            edit employer=ent_b         login     ok     ok     no       no     hid
person.a            delete                      login     ok     ok     no       no     hid
person.b            view                        login     ok     ok     hid      hid    hid
person.b            edit phone                  login     ok     ok     hid      hid    hid
person.self         view                        login     ok     ok     hid      hid    ok
person.self         history                     login     ok     ok     hid      hid    ok
person.self         edit phone                  login     ok     ok     hid      hid    ok
person.self         edit name                   login     ok     ok     hid      hid    no
person.self         edit employer=ent_a         login     ok     ok     hid      hid    no
person.self         delete                      login     ok     ok     hid      hid    no
person              create                      login     ok     ok     ok       ok     no

qualification.a     view                        ok        ok     ok     ok       ok     ok
qualification.a     history                     login     ok     ok     ok       no     no
qualification.a     edit note                   login     ok     ok     ok       no     no
qualification.a     edit valid_to               login     ok     ok     ok       no     no
qualification.a     edit organization=ent_a2    login     ok     ok     no       no     no
qualification.a     delete                      login     ok     ok     no       no     no
qualification.b     view                        ok        ok     ok     ok       ok     ok
qualification.b     edit note                   login     ok     ok     no       no     no
qualification       create                      login     ok     ok     ok       no     no

expert.self         view                        login     ok     ok     hid      hid    ok
expert.self         history                     login     ok     ok     hid      hid    ok
expert.self         edit specialty              login     ok     ok     hid      hid    ok
expert.self         edit active=False           login     ok     ok     hid      hid    no
expert.self         delete                      login     ok     ok     hid      hid    no
expert.a            view                        login     ok     ok     ok       ok     hid
expert.a            history                     login     ok     ok     no       no     hid
expert.a            edit specialty              login     ok     ok     no       no     hid
expert.a            delete                      login     ok     ok     no       no     hid
expert              create                      login     ok     ok     no       no     no

talent.a            view                        login     ok     ok     ok       ok     hid
talent.a            history                     login     ok     ok     ok       no     hid
talent.a            edit category               login     ok     ok     ok       no     hid
talent.a            edit person=person_a2       login     ok     ok     no       no     hid
talent.a            delete                      login     ok     ok     no       no     hid
talent              create                      login     ok     ok     ok       no     no
"""


def parse_matrix(text):
    cells = []
    for line in text.strip().splitlines()[1:]:
        if not line.strip():
            continue
        words = line.split()
        obj, outcomes, action = words[0], words[-len(ROLES) :], " ".join(words[1 : -len(ROLES)])
        assert len(outcomes) == len(ROLES) and set(outcomes) <= {"ok", "no", "hid", "login", "bad"}, line
        cells += [(obj, action, role, outcome) for role, outcome in zip(ROLES, outcomes, strict=True)]
    return cells


CELLS = parse_matrix(MATRIX)


# --- the world the table speaks of -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    """The world, built once for the module's few hundred cells: each test runs in a savepoint inside it (pytest-django's
    `db`), rolled back after the test; the whole is rolled back after the module."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER), transaction.atomic():
        yield add_matrix_records(make_world())
        transaction.set_rollback(True)


@pytest.fixture
def w(shared_world, db):
    return shared_world


@pytest.fixture(scope="module")
def shared_client():
    """One test client for the module: a new one builds the middleware again (WhiteNoise scans every static file)."""
    return Client()


@pytest.fixture
def client(shared_client):
    shared_client.cookies.clear()  # signed out; each cell signs its user in
    return shared_client


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return tmp_path_factory.mktemp("matrix")


def add_matrix_records(world):
    """The shared world, plus what the table needs: a draft annual row and a qualification of ent_a, another
    employee of ent_a who is an expert, a talent programme with memberships."""
    world.annual_a = EnterpriseAnnual.objects.create(
        organization=world.ent_a, year=2022, status=DataStatus.DRAFT, sales_revenue=Decimal("1000")
    )
    world.annual_verified = world.ent_a.annual_data.get(year=2023)
    world.annual_b = world.ent_b.annual_data.get(year=2024)
    world.qual_a = Qualification.objects.create(organization=world.ent_a, kind="srdi_sme", year=2024, valid_from=dt.date(2024, 1, 1))
    world.qual_b = world.ent_b.qualifications.get()
    world.person_a2 = Person.objects.create(
        name="赵五", id_number=make_id_number("410305", dt.date(1975, 7, 8), 44), employer=world.ent_a, birth_year=1975
    )
    for p, year in ((world.person_a, 1980), (world.person_b, 1985), (world.expert_person, 1970)):
        Person.objects.filter(pk=p.pk).update(birth_year=year)
        p.refresh_from_db()
    world.expert_self = world.expert_person.expert
    world.expert_a = Expert.objects.create(person=world.person_a2, specialty="材料")
    world.programme = TalentProgramme.objects.create(code="P1", name_zh="河洛英才计划", name_en="Heluo Talents")
    world.talent_a, _, _ = (
        TalentMembership.objects.create(person=p, programme=world.programme, year=2023)
        for p in (world.person_a, world.person_b, world.expert_person)
    )
    world.users.district = world.users.district_a
    world.users.org = world.users.org_a
    return world


OBJECTS = {
    "organization.a": lambda w: w.ent_a,
    "organization.b": lambda w: w.ent_b,
    "annual.a": lambda w: w.annual_a,
    "annual.verified": lambda w: w.annual_verified,
    "annual.b": lambda w: w.annual_b,
    "platform.a": lambda w: w.plat_a,
    "platform.b": lambda w: w.plat_b,
    "person.a": lambda w: w.person_a,
    "person.b": lambda w: w.person_b,
    "person.self": lambda w: w.expert_person,
    "qualification.a": lambda w: w.qual_a,
    "qualification.b": lambda w: w.qual_b,
    "expert.self": lambda w: w.expert_self,
    "expert.a": lambda w: w.expert_a,
    "talent.a": lambda w: w.talent_a,
}

# Named values of the table ("area=zone", "employer=ent_b" …): world → model value.
VALUES = {
    "A": lambda w: w.a,
    "B": lambda w: w.b,
    "zone": lambda w: w.zone_in_a,
    "ent_a": lambda w: w.ent_a,
    "ent_a2": lambda w: w.ent_a2,
    "ent_b": lambda w: w.ent_b,
    "person_a2": lambda w: w.person_a2,
    "False": lambda w: False,
    "national": lambda w: "national",
    "-5": lambda w: Decimal("-5"),
    "submitted": lambda w: DataStatus.SUBMITTED,
    "verified": lambda w: DataStatus.VERIFIED,
    "approved": lambda w: PlatformStatus.APPROVED,
    "draft": lambda w: DataStatus.DRAFT,
}

# A value for a field the table names without one ("edit phone").
DEFAULTS = {
    "phone": "0379-6000001",
    "name": "新名称",
    "kind": "university",
    "rd_expense": Decimal("60000"),
    "year": 2019,
    "description": "新的简介",
    "note": "新的备注",
    "valid_to": dt.date(2030, 12, 31),
    "specialty": "新方向",
    "category": "领军人才",
}


# --- how each channel says a value -------------------------------------------------------------------------------

# the Chinese labels the import files use
ZH = {**ORG_KINDS, **PLATFORM_KINDS, **LEVELS, **QUALIFICATION_KINDS, **ANNUAL_STATUS, **PLATFORM_STATUS}


def api_value(v):
    if isinstance(v, models.Model):
        return v.code if hasattr(v, "code") else v.pk
    return str(v) if isinstance(v, (Decimal, dt.date)) else v


def web_value(v, name):
    if isinstance(v, Organization):
        return organization_label(v)
    if isinstance(v, models.Model):
        return v.pk
    if isinstance(v, Decimal) and name in ("rd_expense", "sales_revenue"):
        return str(v / 10000)  # the form takes money in 万元
    return v


def import_value(v):
    if isinstance(v, Organization):
        return v.uscc
    if isinstance(v, models.Model):
        return getattr(v, "code", None) or v.name_zh
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, (dt.date, Decimal)):
        return str(v)
    return ZH.get(v, v)


@dataclass
class Kind:
    web: object | None  # the ObjectType of its pages (None: no pages)
    api: str  # the API resource
    imports: str | None  # the import kind
    identity: Callable | None = None  # (w, obj) → the import columns that find the record
    columns: dict = field(default_factory=dict)  # field → import column (fields without one are not imported)
    create_api: Callable | None = None
    create_web: Callable | None = None
    create_import: Callable | None = None
    created: Callable | None = None  # w → queryset of what "create" makes
    put: type | None = None  # the API's input schema: PUT sends the whole record in it


def _talent_identity(w, person, year=2023):
    return {"姓名": person.name, "身份证号码": person.id_number, "人才计划": w.programme.name_zh, "入选年度": year}


KINDS = {
    "organization": Kind(
        ORGANIZATION,
        "organizations",
        "organizations",
        put=OrganizationIn,
        identity=lambda w, o: {"机构名称": o.name, "统一社会信用代码": o.uscc, "所在区划": o.area.code},
        columns={"phone": "联系电话", "name": "机构名称", "kind": "机构类型", "is_published": "是否公开", "area": "所在区划"},
        create_api=lambda w: {"name": "新建企业", "uscc": NEW_USCC, "area": w.a.code},
        create_web=lambda w: {"name": "新建企业", "uscc": NEW_USCC, "area": w.a.pk, "kind": "enterprise", "is_published": "on"},
        create_import=lambda w: {"机构名称": "新建企业", "统一社会信用代码": NEW_USCC, "所在区划": w.a.code},
        created=lambda w: Organization.objects.filter(uscc=NEW_USCC),
    ),
    "annual": Kind(
        ANNUAL,
        "annual-data",
        "annual",
        put=AnnualIn,
        identity=lambda w, r: {"统一社会信用代码": r.organization.uscc, "年度": r.year},
        columns={"rd_expense": "研发费用总额（元）", "sales_revenue": "销售收入（元）", "status": "状态"},
        create_api=lambda w: {"organization": w.ent_a.pk, "year": 2020, "rd_expense": "1000"},
        create_web=lambda w: {"organization": organization_label(w.ent_a), "year": 2020, "rd_expense": "0.1"},
        create_import=lambda w: {"统一社会信用代码": w.ent_a.uscc, "年度": 2020, "研发费用总额（元）": 1000},
        created=lambda w: EnterpriseAnnual.objects.filter(organization=w.ent_a, year=2020),
    ),
    "platform": Kind(
        PLATFORM,
        "platforms",
        "platforms",
        put=PlatformIn,
        identity=lambda w, p: {"平台名称": p.name, "平台类型": ZH[p.kind], "级别": ZH[p.level], "所在区划": p.area.code},
        columns={"description": "简介", "level": "级别", "is_published": "是否公开", "status": ("状态", "状态日期")},
        create_api=lambda w: {"name": "新平台", "kind": "key_lab", "level": "municipal", "area": w.a.code},
        create_web=lambda w: {"name": "新平台", "kind": "key_lab", "level": "municipal", "area": w.a.pk, "is_published": "on"},
        create_import=lambda w: {"平台名称": "新平台", "平台类型": "重点实验室", "级别": "市级", "所在区划": w.a.code},
        created=lambda w: Platform.objects.filter(name="新平台"),
    ),
    "person": Kind(
        PERSON,
        "people",
        "talents",  # a person is imported with a talent-programme membership (each person of the table has one)
        put=PersonIn,
        identity=lambda w, p: _talent_identity(w, p),
        columns={"phone": "联系电话", "name": "姓名", "employer": "工作单位"},
        create_api=lambda w: {"name": "新人员", "employer": w.ent_a.pk},
        create_web=lambda w: {"name": "新人员", "employer": organization_label(w.ent_a)},
        created=lambda w: Person.objects.filter(name="新人员"),
    ),
    "qualification": Kind(
        QUALIFICATION,
        "qualifications",
        "qualifications",
        put=QualificationIn,
        identity=lambda w, q: {
            "统一社会信用代码": q.organization.uscc,
            "资质类型": ZH[q.kind],
            "证书编号/入库编号": q.certificate_no or None,
            "年度": q.year,
            "有效期起": str(q.valid_from),
        },
        columns={"note": "备注", "valid_to": "有效期止"},
        create_api=lambda w: {"organization": w.ent_a.pk, "kind": "tech_sme", "year": 2024, "valid_from": "2024-01-01"},
        create_web=lambda w: {"organization": organization_label(w.ent_a), "kind": "tech_sme", "year": 2024, "valid_from": "2024-01-01"},
        create_import=lambda w: {"统一社会信用代码": w.ent_a.uscc, "资质类型": "科技型中小企业", "年度": 2024, "有效期起": "2024-01-01"},
        created=lambda w: Qualification.objects.filter(organization=w.ent_a, kind="tech_sme"),
    ),
    "expert": Kind(
        None,
        "experts",
        "experts",
        put=ExpertIn,
        identity=lambda w, e: {"姓名": e.person.name, "身份证号码": e.person.id_number},
        columns={"specialty": "研究方向", "active": "是否在库"},
        create_api=lambda w: {"person": w.person_a.pk, "specialty": "轴承"},
        create_import=lambda w: {"姓名": w.person_a.name, "身份证号码": w.person_a.id_number, "研究方向": "轴承"},
        created=lambda w: Expert.objects.filter(person=w.person_a),
    ),
    "talent": Kind(
        None,
        "talents",
        "talents",
        put=TalentIn,
        identity=lambda w, m: _talent_identity(w, m.person, m.year),
        columns={"category": "入选类别"},
        create_api=lambda w: {"person": w.person_a.pk, "programme": "P1", "year": 2024},
        create_import=lambda w: _talent_identity(w, w.person_a, 2024),
        created=lambda w: TalentMembership.objects.filter(person=w.person_a, year=2024),
    ),
}

NEW_USCC = make_uscc("9", "1", "410305", "MA00NEW1")


# --- the channels --------------------------------------------------------------------------------------------------


class _Undo(Exception):
    pass


@contextmanager
def rolled_back():
    """Each channel in a savepoint undone after its checks: the next one starts from the same records."""
    try:
        with transaction.atomic():
            yield
            raise _Undo
    except _Undo:
        pass


def stored(obj, name):
    fresh = type(obj).objects.filter(pk=obj.pk).first()
    if fresh is None:
        return "<deleted>"
    f = fresh._meta.get_field(name)
    return getattr(fresh, f.attname)


def model_value(v):
    return v.pk if isinstance(v, models.Model) else v


_file_numbers = itertools.count()


def one_row_file(tmp_path, row):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(row))
    ws.append(list(row.values()))
    path = tmp_path / f"row{next(_file_numbers)}.xlsx"
    wb.save(path)
    return path


def form_data(form_class, instance, user):
    """What the browser sends back: the form as shown to the user, every field with its current value."""
    form = form_class(instance=instance, user=user)
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False or value == "":
            continue
        if value is True:
            data[name] = "on"
        elif isinstance(value, (list, tuple)):
            data[name] = [str(v) for v in value]
        else:
            data[name] = str(value)
    return data


def read_only_on_form(form_class, instance, user, name):
    form = form_class(instance=instance, user=user)
    return name not in form.fields or form[name].field.disabled


class Channels:
    def __init__(self, w, role, client, token_for, tmp_path):
        self.w, self.role, self.client, self.tmp_path = w, role, client, tmp_path
        self.user = getattr(w.users, role)
        self.headers = token_for(self.user) if self.user is not None else {}
        if self.user is not None:
            client.force_login(self.user)

    def api(self, method, path, body=None):
        kwargs = {"headers": self.headers}
        if body is not None:
            kwargs.update(data=json.dumps(body, default=str), content_type="application/json")
        return getattr(self.client, method)(f"/api/v1/{path}", **kwargs)

    def web(self, method, url, data=None):
        return self.client.post(url, data or {}) if method == "post" else self.client.get(url)

    def import_row(self, kind, row):
        return run_import(kind, one_row_file(self.tmp_path, row), self.user)


def is_login_redirect(response):
    return response.status_code == 302 and reverse("web:login") in response["Location"]


# --- the test --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("obj_name", "action", "role", "outcome"), CELLS, ids=[f"{o}-{a.replace(' ', '_')}-{r}" for o, a, r, _ in CELLS])
def test_matrix(w, client, token_for, files, obj_name, action, role, outcome):
    kind_name = obj_name.split(".")[0]
    kind = KINDS[kind_name]
    ch = Channels(w, role, client, token_for, files)
    obj = OBJECTS[obj_name](w) if "." in obj_name else None
    verb, _, rest = action.partition(" ")
    {"view": check_view, "history": check_history, "delete": check_delete, "edit": check_edit, "create": check_create}[verb](
        w, ch, kind, obj, rest, outcome
    )


def check_view(w, ch, kind, obj, _rest, outcome):
    expected = {"ok": 200, "hid": 404, "login": 401}[outcome]
    assert ch.api("get", f"{kind.api}/{obj.pk}").status_code == expected
    if kind.web is not None:
        r = ch.web("get", kind.web.url("detail", obj.pk))
        assert is_login_redirect(r) if outcome == "login" else r.status_code == expected, r.status_code


def check_history(w, ch, kind, obj, _rest, outcome):
    expected = {"ok": 200, "no": 403, "hid": 404, "login": 401}[outcome]
    assert ch.api("get", f"{kind.api}/{obj.pk}/changes").status_code == expected
    if kind.web is not None:
        r = ch.web("get", kind.web.url("detail", obj.pk))
        shown = r.status_code == 200 and r.context["history"] is not None
        assert shown == (outcome == "ok"), r.status_code
        assert r.status_code == {"ok": 200, "no": 200, "hid": 404}.get(outcome, r.status_code)


def check_delete(w, ch, kind, obj, _rest, outcome):
    gone = lambda: not type(obj).objects.filter(pk=obj.pk).exists()  # noqa: E731
    with rolled_back():
        r = ch.api("delete", f"{kind.api}/{obj.pk}")
        assert r.status_code == {"ok": 204, "no": 403, "hid": 404, "login": 401}[outcome], r.content
        assert gone() == (outcome == "ok")
    if kind.web is not None:
        with rolled_back():
            r = ch.web("post", kind.web.url("delete", obj.pk))
            if outcome == "login":
                assert is_login_redirect(r)
            else:
                assert r.status_code == {"ok": 302, "no": 403, "hid": 404}[outcome], r.status_code
            assert gone() == (outcome == "ok")


def parse_change(w, rest):
    name, _, named = rest.partition("=")
    return name, (VALUES[named](w) if named else DEFAULTS[name])


def check_edit(w, ch, kind, obj, rest, outcome):
    name, value = parse_change(w, rest)
    before = stored(obj, name)
    assert before != model_value(value), "the change must change something"

    def after_refusal():
        assert stored(obj, name) == before

    expected = {"ok": {200}, "no": {403, 422}, "hid": {404}, "login": {401}, "bad": {422}}[outcome]
    api_step, web_step = STATUS_STEPS.get((obj._meta.label_lower, name), (None, None))
    if api_step:  # a status recorded by its own step, not by PATCH/PUT
        requests = [api_step(obj, value)]
        expected = {201} if outcome == "ok" else expected
    else:  # PATCH the one field; PUT the whole record with the one field changed
        requests = [("patch", {name: api_value(value)}), ("put", {**put_body(kind.put, obj), name: api_value(value)})]
    for method, body in requests:
        with rolled_back():
            r = ch.api(method, body.pop("_path", f"{kind.api}/{obj.pk}"), body)
            assert r.status_code in expected, (method, r.content)
            if outcome == "ok":
                assert stored(obj, name) == model_value(value)
            else:
                after_refusal()

    if kind.web is not None:  # the web: the edit form as shown, with the one field changed
        with rolled_back():
            if web_step:
                url, data = web_step(obj, value)
                r = ch.web("post", url, data)
            else:
                data = form_data(kind.web.form_class, obj, ch.user)
                if value is False:
                    data.pop(name, None)
                else:
                    data[name] = web_value(value, name)
                r = ch.web("post", kind.web.url("edit", obj.pk), data)
            check_web_write(ch, r, outcome, lambda: stored(obj, name) == model_value(value), after_refusal, kind, obj, name)

    column = kind.columns.get(name)
    if column and outcome != "login":  # the import: one row naming the record, with the new value
        with rolled_back():
            cells = {column: import_value(value)} if isinstance(column, str) else dict(zip(column, (import_value(value), STATUS_DAY)))
            row = {**kind.identity(w, obj), **cells}
            result = ch.import_row(kind.imports, row)
            assert result.ok == (outcome == "ok"), result.errors
            if outcome == "ok":
                assert stored(obj, name) == model_value(value)
            else:
                after_refusal()


STATUS_DAY = "2025-01-01"
# Statuses that move by a step of their own: (model, field) → (API request, web request) for the new value.
STATUS_STEPS = {
    # annual data: the page's buttons; the API's PATCH and PUT set it (scope_q and the field rule decide who may)
    ("orgs.enterpriseannual", "status"): (None, lambda obj, v: (reverse("web:annual_status", args=[obj.pk]), {"status": v})),
    # a platform's status is appended to its history (the record itself has no writable status)
    ("platforms.platform", "status"): (
        lambda obj, v: ("post", {"_path": f"platforms/{obj.pk}/status-changes", "status": v, "date": STATUS_DAY}),
        lambda obj, v: (reverse("web:platform_status", args=[obj.pk]), {"status": v, "date": STATUS_DAY}),
    ),
}


def put_body(schema, obj):
    """The record as the API's input schema says it: related rows by code (reference data) or id."""
    body = {}
    for name in schema.model_fields:
        f = obj._meta.get_field(name)
        if f.many_to_many:
            body[name] = None if f.remote_field.through._meta.auto_created is False else [x.code for x in getattr(obj, name).all()]
        elif name == "id_number":
            body[name] = None  # kept as it is (the API never shows it)
        else:
            body[name] = api_value(getattr(obj, name))
    return body


def check_web_write(ch, r, outcome, done, not_done, kind, obj, name):
    if outcome == "login":
        assert is_login_redirect(r)
    elif outcome == "hid":
        assert r.status_code == 404
    elif outcome == "ok":
        assert r.status_code == 302 and done(), (r.status_code, getattr(r, "context", None) and r.context.get("form").errors)
    else:
        not_done()
        # refused: 403, the form with an error (a value the user may not choose, an invalid value), or saved with
        # the field left as it was because the form showed it read-only
        assert r.status_code in ((200,) if outcome == "bad" else (200, 302, 403)), r.status_code
        if r.status_code == 302:
            assert obj is not None and read_only_on_form(kind.web.form_class, obj, ch.user, name)


def check_create(w, ch, kind, _obj, _rest, outcome):
    created = lambda: kind.created(w).exists()  # noqa: E731
    assert not created()
    with rolled_back():
        r = ch.api("post", kind.api, kind.create_api(w))
        assert r.status_code in {"ok": {201}, "no": {403, 422}, "login": {401}}[outcome], r.content
        assert created() == (outcome == "ok")
    if kind.web is not None:
        with rolled_back():
            data = {**form_data(kind.web.form_class, kind.web.model(), ch.user), **kind.create_web(w)}
            r = ch.web("post", kind.web.url("add"), data)
            if outcome == "login":
                assert is_login_redirect(r)
            elif outcome == "ok":
                assert r.status_code == 302, r.context["form"].errors
            else:
                assert r.status_code in (200, 403)
            assert created() == (outcome == "ok")
    if kind.create_import and outcome != "login":
        with rolled_back():
            result = ch.import_row(kind.imports, kind.create_import(w))
            assert result.ok == (outcome == "ok"), result.errors
            assert created() == (outcome == "ok")


def test_every_object_and_role_is_in_the_table():
    """The table is the spec: each object has a row for view, history and delete, each kind one for create."""
    rows = {(o, a) for o, a, _r, _x in CELLS}
    for obj in OBJECTS:
        assert {(obj, "view")} <= rows, obj
    for kind in KINDS:
        assert (kind, "create") in rows, kind
    assert {r for _o, _a, r, _x in CELLS} == set(ROLES)
