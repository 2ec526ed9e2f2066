from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The synthetic demo city behind `heluo demo` (no models of its own)."""

    name = "heluo.demo"
    label = "demo"
    verbose_name = "演示数据"
