"""The platform's own city is the configured one (HELUO_HOME_AREA, else the city data file), never a partner city's area."""

from heluo.geo.models import Area
from heluo.geo.selectors import home_city
from heluo.vouchers.models import PartnerCity


def test_home_city_is_the_configured_city_even_when_a_partner_sorts_first(world):
    partner_area = Area.objects.create(code="410100", name_zh="郑州市", name_en="Zhengzhou", kind="city")
    PartnerCity.objects.create(code="410100", name="郑州市", area=partner_area, base_url="http://127.0.0.1:1", shared_secret="s")
    assert home_city().code == "410300"


def test_a_partner_platform_on_the_same_data_files_finds_its_own_city(world, settings):
    # the partner's platform runs on our city's data files, names its own area, and knows us as its partner
    settings.HELUO_HOME_AREA = "410400"
    Area.objects.create(code="410400", name_zh="平顶山市", name_en="Pingdingshan", kind="city")
    PartnerCity.objects.create(
        code="410300", name="洛阳市", area=Area.objects.get(code="410300"), base_url="http://127.0.0.1:1", shared_secret="s"
    )
    assert home_city().code == "410400"
