"""Every key of the data model with its label, marked for translation (templates call _() on them)."""

from __future__ import annotations


def N_(message: str) -> str:
    """Marks a message for extraction; it is translated where it is shown."""
    return message


KIND = {
    "support_group": N_("Support group"),
    "talk_circle": N_("Talk circle"),
    "group_therapy": N_("Group psychotherapy"),
    "workshop": N_("Workshop or course"),
    "orientation": N_("Help to find help"),
}
KIND_HELP = {
    "support_group": N_("People who live with the same thing meet and listen to each other."),
    "talk_circle": N_("An open circle to talk about how you feel, with a host who keeps it safe."),
    "group_therapy": N_("A therapist leads a fixed group that works on something deeper, over time."),
    "workshop": N_("A short series of meetings where you learn and practise something together."),
    "orientation": N_("A service or network that helps you find the group or care that fits you."),
}
THEME = {
    "anxiety": N_("Anxiety"),
    "depression": N_("Depression"),
    "bipolar": N_("Bipolar disorder"),
    "psychosis": N_("Psychosis"),
    "burnout": N_("Burnout"),
    "stress": N_("Stress"),
    "grief": N_("Grief and loss"),
    "suicide_bereavement": N_("Loss after suicide"),
    "suicidal_thoughts": N_("Thoughts of suicide"),
    "trauma": N_("Trauma"),
    "self_esteem": N_("Self-esteem"),
    "loneliness": N_("Loneliness"),
    "addiction": N_("Addiction"),
    "eating": N_("Eating problems"),
    "relatives": N_("For family and friends"),
    "parenting": N_("Parenting"),
    "recovery": N_("Recovery"),
    "emotions_general": N_("Feeling unwell in general"),
}
AUDIENCE = {
    "adults": N_("Adults"),
    "youth": N_("Young people"),
    "young_adults": N_("Young adults"),
    "seniors": N_("Older people"),
    "parents": N_("Parents"),
    "students": N_("Students"),
    "workers": N_("Working people"),
    "expats": N_("People from abroad"),
    "lgbtqi": N_("LGBTQI+ people"),
    "women": N_("Women"),
    "men": N_("Men"),
}
FORMAT = {
    "in_person": N_("In person"),
    "online": N_("Online"),
    "hybrid": N_("In person and online"),
}
LED_BY = {
    "professional": N_("A professional"),
    "peer": N_("A peer (someone with lived experience)"),
    "volunteer": N_("A trained volunteer"),
    "mixed": N_("A professional and a peer together"),
}
MEMBERSHIP = {
    "open": N_("Open group: you can drop in"),
    "closed": N_("Closed group: the same people each time"),
}
REGISTRATION = {
    "none": N_("No need to sign up"),
    "required": N_("Sign up first"),
    "intake": N_("You first have an introductory meeting"),
}
COST = {
    "free": N_("Free"),
    "contribution": N_("A small contribution"),
    "paid": N_("Paid"),
}
ACCESS = {
    "wheelchair": N_("Wheelchair access"),
    "hearing_loop": N_("Hearing loop"),
    "sign_language": N_("Sign language"),
    "interpreter": N_("Interpreter"),
}
STATUS = {
    "active": N_("Active"),
    "paused": N_("Paused for now"),
    "ended": N_("This group has ended"),
}
CHECKED_BY = {
    "organizer": N_("Confirmed by the organizer"),
    "moderator": N_("Confirmed with the organizer by a moderator"),
    "public_source": N_("Read on a public page"),
}
COUNTRY = {"BE": N_("Belgium"), "NL": N_("The Netherlands")}
WEEKDAY = {
    "mon": N_("Monday"),
    "tue": N_("Tuesday"),
    "wed": N_("Wednesday"),
    "thu": N_("Thursday"),
    "fri": N_("Friday"),
    "sat": N_("Saturday"),
    "sun": N_("Sunday"),
}
# A meeting row of the forms: where, how often and which one of the month (server/forms.py turns a row into
# a Meeting's fields).
WHERE = {
    "same": N_("Same place as above"),
    "online": N_("Online"),
    "other": N_("Another place (fill it in below)"),
}
HOW_OFTEN = {
    "weekly": N_("Every week"),
    "fortnightly": N_("Every 2 weeks"),
    "monthly": N_("Every month"),
    "series": N_("A series of sessions"),
}
ORDINAL = {
    "1": N_("First"),
    "2": N_("Second"),
    "3": N_("Third"),
    "4": N_("Fourth"),
    "5": N_("Fifth"),
    "-1": N_("Last"),
}
TIME_OF_DAY = {
    "morning": N_("Morning (before 12:00)"),
    "afternoon": N_("Afternoon (12:00 to 18:00)"),
    "evening": N_("Evening (from 18:00)"),
}
ORDER = {
    "checked": N_("Most recently checked first"),
    "next": N_("Next meeting first"),
}
LINE_KIND = {
    "emergency": N_("Emergency"),
    "suicide": N_("If you think about suicide"),
    "listening": N_("Someone to talk to"),
    "youth": N_("For children and young people"),
    "violence": N_("Violence and abuse"),
    "poison": N_("Poisoning"),
    "doctor": N_("Doctor on duty"),
}

# Why a parameter value was ignored (search.ParamError.problem).
PROBLEMS = {
    "unknown_param": N_("Kring does not know this parameter."),
    "unknown_value": N_("This is not one of the choices."),
    "repeated": N_("This parameter may appear only once."),
    "too_long": N_("This text is too long (100 characters at most)."),
    "unknown_place": N_("Kring does not know this place."),
    "not_a_distance": N_("Choose a distance of 5, 10, 25, 50 or 100 km."),
    "not_a_page": N_("This is not a page number."),
    "not_soon": N_("Choose a number of days from 1 to 84."),
    "unknown_order": N_("Choose an order: checked or next."),
}
