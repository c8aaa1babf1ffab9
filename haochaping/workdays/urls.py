from django.urls import path

from haochaping.workdays import views

app_name = "workdays"
urlpatterns = [
    path("", views.index, name="index"),
    path("entries/new/", views.entry_new, name="entry_new"),
    path("entries/<int:entry_id>/edit/", views.entry_edit, name="entry_edit"),
    path("entries/<int:entry_id>/delete/", views.entry_delete, name="entry_delete"),
    path("import/", views.import_view, name="import"),
    path("export/", views.export, name="export"),
    path("audit/", views.audit, name="audit"),
    path("deadline/", views.deadline, name="deadline"),
]
