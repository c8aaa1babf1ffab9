from django.urls import path

from haochaping.coverage import views

app_name = "coverage"
urlpatterns = [
    path("", views.index, name="index"),
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/<int:task_id>/", views.task, name="task"),
    path("comments/", views.comments, name="comments"),
    path("comments/<int:comment_id>/", views.comment, name="comment"),
    path("samples/", views.samples, name="samples"),
    path("samples/<int:sample_id>/", views.sample, name="sample"),
    path("visits/", views.visits, name="visits"),
    path("visits/<int:visit_id>/", views.visit, name="visit"),
]
