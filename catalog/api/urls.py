from django.urls import path

from catalog.api import views

urlpatterns = [
    path("me", views.MeView.as_view(), name="me"),
    path("catalog/accessories", views.AccessoryList.as_view(), name="accessory-list"),
    path("catalog/accessories/<int:pk>", views.AccessoryDetail.as_view(), name="accessory-detail"),
    path("catalog/devices", views.DeviceList.as_view(), name="device-list"),
    path("catalog/devices/<int:pk>", views.DeviceDetail.as_view(), name="device-detail"),
    path("catalog/plans", views.PlanList.as_view(), name="plan-list"),
    path("catalog/plans/<int:pk>", views.PlanDetail.as_view(), name="plan-detail"),
    path("catalog/features", views.FeatureList.as_view(), name="feature-list"),
    path("catalog/features/<int:pk>", views.FeatureDetail.as_view(), name="feature-detail"),
    path("regions", views.RegionList.as_view(), name="region-list"),
    path("regions/<int:pk>", views.RegionDetail.as_view(), name="region-detail"),
    path("vendors", views.VendorList.as_view(), name="vendor-list"),
    path("vendors/<int:pk>", views.VendorDetail.as_view(), name="vendor-detail"),
    path("manufacturers", views.ManufacturerList.as_view(), name="manufacturer-list"),
    path("manufacturers/<str:pk>", views.ManufacturerDetail.as_view(), name="manufacturer-detail"),
    path("assets/services", views.ServiceList.as_view(), name="service-list"),
    path("assets/services/<int:pk>", views.ServiceDetail.as_view(), name="service-detail"),
    path("assets/devices", views.DeviceAssetList.as_view(), name="device-asset-list"),
    path("assets/devices/<int:pk>", views.DeviceAssetDetail.as_view(), name="device-asset-detail"),
]
