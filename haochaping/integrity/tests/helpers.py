from haochaping.integrity.models import Flag


def checks_on(rating) -> list[str]:
    return sorted(Flag.objects.filter(review__rating=rating).values_list("check_code", flat=True))
