from django.apps import AppConfig


class CultivationConfig(AppConfig):
    name = "heluo.cultivation"
    label = "cultivation"
    verbose_name = "企业培育"
    default_auto_field = "django.db.models.BigAutoField"
