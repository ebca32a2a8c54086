"""Vocabularies the data generator draws from (enumerations from api-notes §9.4)."""

from __future__ import annotations

ADVERTISER_NAMES = (
    "Acme Insurance",
    "Bluebird Dental",
    "Coastal Auto Glass",
    "Delta Home Services",
    "Evergreen Solar",
    "Summit Legal Group",
    "Harbor Mortgage",
    "Pinecrest Senior Living",
)
AFFILIATE_NAMES = (
    "Pub Co",
    "Search Partners LLC",
    "Café Média",
    "Lead Garden",
    "Radio Reach",
    "Metro Directory",
    "Coupon Kingdom",
    "Social Spark",
)
CAMPAIGN_KINDS = ("Search", "Radio", "Email", "Directory", "Social", "TV")
POOLED_KINDS = ("Search", "Social")
"""Campaign kinds whose lines use a RingPool (dynamic numbers with referrer data)."""
COUNTRIES = ("US", "US", "US", "CA")
MEDIA_TYPES = {
    "Search": "Online: Search",
    "Radio": "Offline: Radio",
    "Email": "Online: Email",
    "Directory": "Offline: Directory",
    "Social": "Online: Social Media",
    "TV": "Offline: TV",
}
"""``media_type`` per campaign kind; RingPool lines may also report ``Pooling``."""
POOL_TYPES = ("Custom", "Search", "SearchKeyword")
HANGUP_CAUSES = (
    "Caller: Hang-up",
    "Destination: Hang-up",
    "Destination: Error (503 or Fast Busy)",
    "Invoca: Max Call Duration",
    "IVR: Hang-up",
    "Unknown: Unknown Cause",
)
NO_ANSWER_CAUSES = ("Destination: No Answer", "Destination: Number Not In Service", "Caller: Hang-up")
CITIES = (
    ("Santa Barbara", "CA", "805", "93101"),
    ("Los Angeles", "CA", "213", "90012"),
    ("Austin", "TX", "512", "78701"),
    ("Denver", "CO", "303", "80202"),
    ("Chicago", "IL", "312", "60601"),
    ("Miami", "FL", "305", "33130"),
    ("Seattle", "WA", "206", "98101"),
    ("Boston", "MA", "617", "02108"),
    ("Toronto", "ON", "416", "M5H 2N2"),
    ("Phoenix", "AZ", "602", "85004"),
)
PHONE_TYPES = ("Mobile", "Mobile", "Landline", "")
KEYNAMES = ("1", "2", "3", "0", "sales", "support", "billing")
SEARCH_ENGINES = ("google.com", "google.com", "bing.com", "yahoo.com")
SEARCH_KEYWORDS = (
    "car insurance quote",
    "emergency dentist near me",
    "windshield repair",
    "solar panels cost",
    "dui lawyer",
    "refinance rates",
)
MATCH_TYPES = ("Exact", "Phrase", "Broad")
UTM_SOURCES = ("google", "bing", "facebook", "newsletter", "yelp")
UTM_MEDIUMS = ("Search", "Email", "Social", "Display", "Referral")
LOCATIONS = ("Downtown", "Northside", "Airport", "Riverside")
POLICY_TYPES = ("Auto", "Home", "Renters", "Life")
NOTES = (
    "Customer asked for a callback",
    "Quoted premium; follow up Friday",
    "Wrong number",
    'Caller said "just browsing"',
    "Spanish-speaking caller, transferred",
    "Duplicate of earlier call",
)
CORRECTION_NOTES = (
    "Payin adjusted after review",
    "Agent confirmed sale",
    "Disputed by advertiser: not qualified",
    "Bonus applied for booked appointment",
)
CALL_RESULTS = {
    "paid": ("Paid", "Qualified"),
    "short": ("Short Call", "Not Qualified"),
    "unanswered": ("Not Answered", "Not Answered"),
    "region": ("Out of Region", "Not Qualified"),
}
"""Call result per outcome: (network/affiliate wording, managed-advertiser wording)."""
FIRST_NAMES = ("Maria", "James", "Wei", "Priya", "Carlos", "Emma", "Noah", "Aisha")
LAST_NAMES = ("Garcia", "Smith", "Chen", "Patel", "Lopez", "Johnson", "Nguyen", "O'Brien")
STREETS = ("12 Ocean Ave", "400 Main St", "77 Elm Rd", "1801 Lake Blvd", "9 Hill Ct")
AGE_RANGES = ("25-34", "35-44", "45-54", "55-64", "65+")
CARRIERS = ("Verizon Wireless", "AT&T Mobility", "T-Mobile USA", "Comcast")
INCOMES = ("$50,000-$74,999", "$75,000-$99,999", "$100,000-$149,999", "$150,000+")
OCCUPATIONS = ("Professional", "Retired", "Sales", "Technical", "Homemaker")
EDUCATION = ("High School", "Some College", "Bachelor Degree", "Graduate Degree")
SKUS = ("SKU-100", "SKU-220", "SKU-315", "SKU-480")
