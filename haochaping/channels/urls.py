"""Citizen pages (/r/), the hall tablet (/tablet/) and staff pages (/channels/)."""

from django.urls import path

from haochaping.channels import views_citizen, views_staff, views_tablet

app_name = "channels"
urlpatterns = [
    # citizens: no login, embeddable
    path("r/", views_citizen.start, name="start"),
    path("r/receipt/", views_citizen.receipt, name="receipt_lookup"),
    path("r/receipt/<str:code>", views_citizen.receipt, name="receipt"),
    path("r/<str:token>", views_citizen.rate, name="rate"),
    # the hall tablet
    path("tablet/", views_tablet.tablet, name="tablet"),
    path("tablet/pair", views_tablet.pair, name="tablet_pair"),
    path("tablet/poll", views_tablet.poll, name="tablet_poll"),
    path("tablet/sw.js", views_tablet.service_worker, name="tablet_sw"),
    path("tablet/ratings", views_tablet.rate, name="tablet_rate"),
    path("tablet/prompts/<int:prompt_id>/later/", views_tablet.later, name="tablet_later"),
    # staff
    path("channels/", views_staff.index, name="index"),
    path("channels/devices/", views_staff.devices, name="devices"),
    path(
        "channels/devices/<int:device_id>/revoke",
        views_staff.device_revoke_view,
        name="device_revoke",
    ),
    path(
        "channels/devices/<int:device_id>/renew", views_staff.device_renew_view, name="device_renew"
    ),
    path("channels/links/", views_staff.case_links, name="case_links"),
    path("channels/phone/", views_staff.phone_entry, name="phone_entry"),
    path("channels/paper/", views_staff.paper_entry, name="paper_entry"),
    path("channels/entries/", views_staff.entries, name="entries"),
]
