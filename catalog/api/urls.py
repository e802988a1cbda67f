from django.urls import path

from catalog.api import acknowledgements, offering, views


def collection(route: str, name: str, list_view, detail_view, pk: str = "int") -> list:
    """A collection and its items: `route` and `route/<pk>`, named `name-list` and `name-detail`
    (the names the serializers' hrefs reverse)."""
    return [
        path(route, list_view.as_view(), name=f"{name}-list"),
        path(f"{route}/<{pk}:pk>", detail_view.as_view(), name=f"{name}-detail"),
    ]


urlpatterns = [
    path("me", views.MeView.as_view(), name="me"),
    path(
        "acknowledgements", acknowledgements.AcknowledgementList.as_view(), name="acknowledgements"
    ),
    path("catalog-offering", offering.CatalogOffering.as_view(), name="catalog-offering"),
    *collection("catalog/accessories", "accessory", views.AccessoryList, views.AccessoryDetail),
    *collection("catalog/devices", "device", views.DeviceList, views.DeviceDetail),
    *collection("catalog/plans", "plan", views.PlanList, views.PlanDetail),
    *collection("catalog/features", "feature", views.FeatureList, views.FeatureDetail),
    *collection("regions", "region", views.RegionList, views.RegionDetail),
    *collection("vendors", "vendor", views.VendorList, views.VendorDetail),
    *collection(
        "manufacturers", "manufacturer", views.ManufacturerList, views.ManufacturerDetail, pk="str"
    ),
    # A model's id is its name, which may hold a slash.
    path(
        "manufacturers/<str:manufacturer>/models/<path:pk>",
        views.ManufacturerModelDetail.as_view(),
        name="manufacturer-model-detail",
    ),
    *collection("assets/services", "service", views.ServiceList, views.ServiceDetail),
    *collection("assets/devices", "device-asset", views.DeviceAssetList, views.DeviceAssetDetail),
]
