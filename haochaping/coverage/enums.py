from django.db import models
from django.utils.translation import gettext_lazy as _


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    INVITED = "invited", _("SMS link sent")
    RATED = "rated", _("Rated")
    DECLINED = "declined", _("Citizen declined")
    DEFAULTED = "defaulted", _("System default written")
    EXPIRED = "expired", _("Expired unrated")

    @classmethod
    def open_values(cls) -> list[str]:
        return [cls.OPEN.value, cls.INVITED.value]


class TaskResolution(models.TextChoices):
    """How a supplementary task ended (for the completion figure)."""

    NONE = "", _("Not ended")
    SMS_LINK = "sms_link", _("Citizen rated through the SMS link")
    PHONE = "phone", _("Phone answer recorded by staff")
    OTHER_CHANNEL = "other", _("Citizen rated through another channel")
    DECLINED = "declined", _("Citizen declined to rate")
    SYSTEM_DEFAULT = "default", _("System default (not a citizen rating)")
    EXPIRED = "expired", _("Rating period ended")


class AttemptKind(models.TextChoices):
    SMS = "sms", _("SMS link sent")
    PHONE_ANSWER = "phone_answer", _("Phone: answer recorded")
    PHONE_NOT_REACHED = "not_reached", _("Phone: not reached")
    DECLINED = "declined", _("Citizen declined to rate")


class CommentSource(models.TextChoices):
    SUGGESTION_BOX = "box", _("Suggestion box slip")
    COMPLAINT_PHONE = "phone", _("Complaint phone call")
    EMAIL = "email", _("E-mail")
    WEB = "web", _("Web message (public form)")


class SubjectKind(models.TextChoices):
    UNIT = "unit", _("A unit")
    HALL = "hall", _("A service hall")
    ITEM = "item", _("A service item")


class CommentStatus(models.TextChoices):
    NEW = "new", _("To classify")
    ROUTED = "routed", _("Negative: sent to the unit for rectification")
    NOTED = "noted", _("Classified and noted")
    REJECTED = "rejected", _("Rejected as abuse or spam")


class Sentiment(models.TextChoices):
    PRAISE = "praise", _("Praise")
    SUGGESTION = "suggestion", _("Suggestion")
    NEGATIVE = "negative", _("Complaint (negative)")
    SPAM = "spam", _("Spam or abuse")


class Topic(models.TextChoices):
    ATTITUDE = "attitude", _("Staff attitude")
    EFFICIENCY = "efficiency", _("Efficiency and waiting")
    PROCESS = "process", _("Procedure and materials")
    FACILITIES = "facilities", _("Hall facilities")
    ONLINE = "online", _("Online platform")
    FEES = "fees", _("Fees")
    INTEGRITY = "integrity", _("Integrity and discipline")
    OTHER = "other", _("Other")


class SampleKind(models.TextChoices):
    CALLBACK = "callback", _("Callback interviews of rated citizens")
    INSPECTION = "inspection", _("Inspection of service items")


class Stratum(models.TextChoices):
    UNIT = "unit", _("Unit")
    ITEM = "item", _("Service item")
    CHANNEL = "channel", _("Channel")


class InterviewOutcome(models.TextChoices):
    REACHED = "reached", _("Reached")
    NOT_REACHED = "not_reached", _("Not reached")
    REFUSED = "refused", _("Refused the interview")


class Answer(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNSURE = "unsure", _("Not sure")


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
