from django.urls import path

from catalog.web import accessories

app_name = "catalog"

urlpatterns = [
    path("catalog/", accessories.accessory_list, name="accessories"),
]
