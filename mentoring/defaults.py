"""The criteria a new Mentor Match starts with, for a healthcare supply-chain association.

Loaded by a data migration (and by tests whose database was flushed); staff change them in the admin
afterwards.
(name, applies_to, multiple, weight, must_match, help, mentor help, mentee help, options)
"""

DEFAULT_CATEGORIES = [
    (
        "Areas of Professional Experience",
        "both",
        True,
        3,
        False,
        "",
        "Areas you can mentor in.",
        "Areas you want to grow in.",
        [
            "Contracting & Purchasing",
            "Sourcing",
            "Value Analysis",
            "Inventory & Logistics",
            "Sterile Processing",
            "Supply Chain Finance",
            "Data & Analytics",
            "Emergency Preparedness",
            "Sustainability",
            "Technology & Systems",
        ],
    ),
    (
        "Leadership Skills",
        "both",
        True,
        2,
        False,
        "",
        "Leadership skills you can help others build.",
        "Leadership skills you want to develop.",
        [
            "Strategic Thinking",
            "Change Management",
            "Team Building",
            "Communication",
            "Negotiation",
            "Conflict Resolution",
            "Decision Making",
            "Coaching Others",
            "Financial Acumen",
            "Executive Presence",
        ],
    ),
    (
        "Career Stage",
        "both",
        True,
        1,
        False,
        "Your current career stage.",
        "",
        "",
        [
            "Student or new to the field",
            "Early career",
            "Mid-career",
            "Manager",
            "Director",
            "Executive",
        ],
    ),
    (
        "Years of Experience",
        "both",
        False,
        1,
        False,
        "Your years of experience in healthcare supply chain.",
        "",
        "",
        ["Less than 3", "3–5", "6–10", "11–20", "More than 20"],
    ),
    (
        "Organization Type",
        "both",
        False,
        1,
        False,
        "The kind of organization you work for.",
        "",
        "",
        [
            "Hospital",
            "Health system",
            "Group purchasing organization",
            "Supplier or distributor",
            "Consulting",
            "Academic or government",
            "Other",
        ],
    ),
    (
        "Region",
        "both",
        False,
        1,
        False,
        "Where you work.",
        "",
        "",
        [
            "Northeast",
            "Southeast",
            "Midwest",
            "Southwest",
            "West",
            "Canada",
            "Outside North America",
        ],
    ),
    (
        "Preferred Meeting Format",
        "both",
        True,
        1,
        False,
        "How you like to meet.",
        "",
        "",
        ["Phone", "Video", "In person", "Email"],
    ),
    (
        "Languages",
        "both",
        True,
        1,
        False,
        "Languages you can mentor or be mentored in.",
        "",
        "",
        ["English", "Spanish", "French", "Mandarin", "Tagalog", "Vietnamese", "Hindi", "Arabic"],
    ),
]


def load_default_criteria(category_model, option_model, settings_model):
    """Create the program settings row and any default category that does not exist yet.

    Takes the models as arguments so that the data migration can pass its historical models.
    """
    settings_model.objects.get_or_create(pk=1)
    for order, row in enumerate(DEFAULT_CATEGORIES, start=1):
        (
            name,
            applies_to,
            multiple,
            weight,
            must_match,
            help_text,
            mentor_help,
            mentee_help,
            options,
        ) = row
        category, created = category_model.objects.get_or_create(
            name=name,
            defaults=dict(
                applies_to=applies_to,
                multiple=multiple,
                weight=weight,
                must_match=must_match,
                help_text=help_text,
                mentor_help_text=mentor_help,
                mentee_help_text=mentee_help,
                order=order * 10,
            ),
        )
        if created:
            option_model.objects.bulk_create(
                option_model(category=category, label=label, order=index * 10)
                for index, label in enumerate(options, start=1)
            )


# The default categories that are not compared option for option (CriterionKind): a mentor ahead
# of the mentee in career stage and years scores more; format, region, organization type and
# languages are preferences. Set by migration 0008 (the loader above runs at migration 0002, when
# categories had no kind yet) and by the tests' default_criteria fixture.
DEFAULT_KINDS = {
    "Career Stage": "ahead",
    "Years of Experience": "ahead",
    "Organization Type": "preference",
    "Region": "preference",
    "Preferred Meeting Format": "preference",
    "Languages": "preference",
}


def set_default_kinds(category_model):
    for name, kind in DEFAULT_KINDS.items():
        category_model.objects.filter(name=name, kind="same").update(kind=kind)
