import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "polkamesh_web.settings")

app = Celery("polkamesh_web")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
