"""Word lists for deterministic demo members of a healthcare supply-chain association."""

FIRST_NAMES = """
Aaliyah Aaron Abigail Adam Adrian Aisha Alan Alejandro Alex Alicia Amanda Amir Ana Andre Andrea
Angela Anthony Ariana Arjun Ashley Audrey Ava Benjamin Bianca Brandon Brian Brianna Caleb Camila
Carlos Carmen Caroline Catherine Charles Chloe Christopher Claire Daniel Danielle David Deborah
Deepa Denise Derek Diana Diego Dmitri Dolores Dominic Donna Elena Elijah Elizabeth Emily Emma Eric
Erin Ethan Fatima Felix Fernando Fiona Frances Gabriel Grace Hannah Hassan Heather Hector Helen
Hiroshi Ian Imani Isabel Isaac Jacob Jamal James Jasmine Jason Javier Jennifer Jessica Joan John
Jordan Jose Joseph Joy Julia Julian Karen Katherine Keisha Kenji Kevin Kim Laura Lauren Leah Leon
Lily Linda Lucas Luis Madison Malik Marcus Margaret Maria Mark Marta Matthew Maya Megan Melissa
Michael Michelle Miguel Mohammed Monica Nadia Naomi Natalie Nathan Nicole Noah Olivia Omar Pablo
Patricia Patrick Paul Priya Rachel Rafael Rajesh Raymond Rebecca Ricardo Robert Rosa Ryan Samantha
Samuel Sandra Sara Sean Sergei Sofia Sophia Stephanie Steven Susan Tanisha Teresa Thomas Timothy
Tyler Valerie Vanessa Victor Vikram Vivian Wei William Xavier Yasmin Yolanda Zachary Zoe
""".split()

LAST_NAMES = """
Abbott Adams Agarwal Ahmed Alvarez Anderson Baker Banerjee Barnes Bell Bennett Brooks Brown Bryant
Butler Campbell Carter Castillo Chang Chen Clark Coleman Collins Cook Cooper Cruz Davis Diaz Dubois
Edwards Evans Fischer Fisher Flores Foster Garcia Gomez Gonzalez Gordon Graham Gray Green Griffin
Gupta Hall Hamilton Harris Hayes Henderson Hernandez Hill Howard Hughes Ibrahim Jackson James Jenkins
Johnson Jones Kaur Kelly Kennedy Khan Kim King Kowalski Kumar Lee Lewis Long Lopez Martin Martinez
Mendoza Miller Mitchell Moore Morales Morgan Morris Murphy Murray Nakamura Nelson Nguyen O'Brien
Okafor Olsen Ortiz Owens Park Parker Patel Perez Perry Peterson Phillips Powell Price Ramirez Reed
Reyes Richardson Rivera Roberts Robinson Rodriguez Rogers Ross Russell Sanchez Sanders Santos Schmidt
Scott Shah Silva Simmons Singh Smith Sullivan Tanaka Taylor Thomas Thompson Torres Tran Turner Walker
Wallace Wang Ward Washington Watson White Williams Wilson Wong Wood Wright Wu Yamamoto Young Zhang
""".split()

JOB_TITLES = [
    "Director of Supply Chain",
    "Vice President, Supply Chain Operations",
    "Chief Supply Chain Officer",
    "Materials Manager",
    "Purchasing Manager",
    "Senior Buyer",
    "Buyer",
    "Contract Manager",
    "Contracting Specialist",
    "Sourcing Manager",
    "Strategic Sourcing Analyst",
    "Value Analysis Coordinator",
    "Value Analysis Program Manager",
    "Inventory Control Supervisor",
    "Inventory Analyst",
    "Logistics Manager",
    "Distribution Center Manager",
    "Sterile Processing Manager",
    "Sterile Processing Technician Lead",
    "Supply Chain Data Analyst",
    "Supply Chain Systems Analyst",
    "ERP Systems Administrator",
    "Supply Chain Finance Manager",
    "Emergency Preparedness Coordinator",
    "Sustainability Program Manager",
    "Perioperative Supply Coordinator",
    "Procurement Director",
    "Supply Chain Project Manager",
    "Clinical Resource Manager",
    "Receiving and Distribution Supervisor",
]

ORG_PLACES = [
    "Riverside",
    "Lakeside",
    "Valley",
    "Summit",
    "Harbor",
    "Pinecrest",
    "Northridge",
    "Southgate",
    "Westfield",
    "Eastview",
    "Maple",
    "Cedar",
    "Oakwood",
    "Mercy",
    "St. Luke's",
    "St. Mary's",
    "Providence",
    "Trinity",
    "Good Samaritan",
    "Unity",
    "Bayview",
    "Highland",
    "Fairview",
    "Crossroads",
    "Heritage",
    "Prairie",
    "Mountain View",
    "Clearwater",
    "Greenfield",
    "Silver Lake",
]

ORG_KINDS = [
    "Medical Center",
    "Health System",
    "Regional Hospital",
    "Community Hospital",
    "Children's Hospital",
    "University Hospital",
    "Health Partners",
    "Surgical Center",
    "Healthcare Purchasing Alliance",
    "Medical Supply Co.",
    "Health Logistics",
    "Memorial Hospital",
]

# (city, state/province, ISO country, time zone)
LOCATIONS = [
    ("Chicago", "Illinois", "US", "America/Chicago"),
    ("Boston", "Massachusetts", "US", "America/New_York"),
    ("Atlanta", "Georgia", "US", "America/New_York"),
    ("Houston", "Texas", "US", "America/Chicago"),
    ("Dallas", "Texas", "US", "America/Chicago"),
    ("Denver", "Colorado", "US", "America/Denver"),
    ("Phoenix", "Arizona", "US", "America/Phoenix"),
    ("Seattle", "Washington", "US", "America/Los_Angeles"),
    ("San Diego", "California", "US", "America/Los_Angeles"),
    ("Sacramento", "California", "US", "America/Los_Angeles"),
    ("Minneapolis", "Minnesota", "US", "America/Chicago"),
    ("Nashville", "Tennessee", "US", "America/Chicago"),
    ("Charlotte", "North Carolina", "US", "America/New_York"),
    ("Philadelphia", "Pennsylvania", "US", "America/New_York"),
    ("Pittsburgh", "Pennsylvania", "US", "America/New_York"),
    ("Cleveland", "Ohio", "US", "America/New_York"),
    ("Columbus", "Ohio", "US", "America/New_York"),
    ("St. Louis", "Missouri", "US", "America/Chicago"),
    ("Kansas City", "Missouri", "US", "America/Chicago"),
    ("Salt Lake City", "Utah", "US", "America/Denver"),
    ("Portland", "Oregon", "US", "America/Los_Angeles"),
    ("Baltimore", "Maryland", "US", "America/New_York"),
    ("Richmond", "Virginia", "US", "America/New_York"),
    ("Miami", "Florida", "US", "America/New_York"),
    ("Tampa", "Florida", "US", "America/New_York"),
    ("New Orleans", "Louisiana", "US", "America/Chicago"),
    ("Madison", "Wisconsin", "US", "America/Chicago"),
    ("Omaha", "Nebraska", "US", "America/Chicago"),
    ("Albuquerque", "New Mexico", "US", "America/Denver"),
    ("Honolulu", "Hawaii", "US", "Pacific/Honolulu"),
    ("Anchorage", "Alaska", "US", "America/Anchorage"),
    ("Toronto", "Ontario", "CA", "America/Toronto"),
    ("Vancouver", "British Columbia", "CA", "America/Vancouver"),
    ("Calgary", "Alberta", "CA", "America/Edmonton"),
]

BIO_OPENERS = [
    "I have spent {years} years in healthcare supply chain, most recently as {title_lower} at {org}.",
    "For the past {years} years I have worked across {area_a} and {area_b} in hospital settings.",
    "I joined {org} {years} years ago and now lead our work in {area_a}.",
    "My career began in {area_b}; today I focus on {area_a} at {org}.",
]
BIO_MIDDLES = [
    "I care about getting the right product to the bedside at the right cost.",
    "Our team recently standardized {count} product categories and cut backorders by a third.",
    "I enjoy building teams that work closely with clinicians and finance.",
    "I helped my organization through supply disruptions and learned a lot about resilience.",
    "I am proud of a value analysis program that now reviews every new product request.",
    "I like turning messy purchasing data into decisions people trust.",
]
BIO_CLOSERS = [
    "Outside work I volunteer with our local chapter.",
    "I am always happy to talk about career paths in supply chain.",
    "I believe good mentoring changed my career, and I want to pass that on.",
    "Ask me about negotiating your first big contract.",
    "I am looking to keep learning from peers across the association.",
]
AREAS = [
    "contracting and purchasing",
    "sourcing",
    "value analysis",
    "inventory and logistics",
    "sterile processing",
    "supply chain finance",
    "data and analytics",
    "emergency preparedness",
    "sustainability",
    "technology and systems",
]
