"""Static tables for the sample database: clubs, menus, option templates, names and comments.

Prices are dollars; popularity is a relative sales weight within a location. ``daypart`` says
when an item sells: ``breakfast`` (before 10:30), ``lunch`` (from 10:30), ``dinner`` (from 16:30)
or ``allday``. Item names are unique across the database; several share a word on purpose ("Burger",
"Pizza", "Salad", "Chicken Tenders") so fuzzy matching meets ambiguous cases.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

Daypart = Literal["breakfast", "lunch", "dinner", "allday"]
DAYPARTS: dict[str, Daypart] = {
    "breakfast": "breakfast",
    "lunch": "lunch",
    "dinner": "dinner",
    "allday": "allday",
}
# When each kind of item is served: parts of the day by the minute they begin (an order's part
# of the day is the last one begun when it is placed).
DAY_PARTS = ((0, "morning"), (630, "midday"), (990, "evening"))
SERVED: dict[str, tuple[str, ...]] = {
    "breakfast": ("morning",),
    "lunch": ("midday", "evening"),
    "dinner": ("evening",),
    "allday": ("morning", "midday", "evening"),
}


class Choice(NamedTuple):
    """An option item: name, price, relative popularity, disabled."""

    name: str
    price: float
    weight: float = 1.0
    disabled: bool = False


class OptionSpec(NamedTuple):
    """An option group attached to an item (``min``..``max`` choices)."""

    name: str
    min: int
    max: int
    choices: tuple[Choice, ...]


class ItemSpec(NamedTuple):
    """A menu item; ``options`` are keys of ``OPTIONS``."""

    name: str
    price: float
    popularity: float
    daypart: Daypart
    description: str
    options: tuple[str, ...] = ()
    disabled: bool = False


class CategorySpec(NamedTuple):
    name: str
    items: tuple[ItemSpec, ...]
    disabled: bool = False


class LocationSpec(NamedTuple):
    """A club: its menu, hours (Monday..Sunday as "HH:MM" pairs) and order-mix parameters."""

    name: str
    timezone: str
    tax_rate: float
    menu: str
    categories: tuple[CategorySpec, ...]
    hours: tuple[tuple[str, str], ...]
    share: float  # share of all orders
    delivery_share: float  # on-course / poolside delivery
    delivery_fee: float
    season_amplitude: float  # summer peak relative to the yearly mean
    dayparts: tuple[float, float, float, float]  # breakfast, lunch, dinner peaks and a flat base
    area_codes: tuple[int, ...]  # for customers' phone numbers
    spot: str  # where deliveries go, for rating comments


OPTIONS: dict[str, OptionSpec] = {
    "temperature": OptionSpec(
        "Temperature",
        1,
        1,
        (
            Choice("Rare", 0, 1),
            Choice("Medium Rare", 0, 4),
            Choice("Medium", 0, 5),
            Choice("Medium Well", 0, 2),
            Choice("Well Done", 0, 1),
        ),
    ),
    "burger_addons": OptionSpec(
        "Add-ons",
        0,
        3,
        (
            Choice("Bacon", 2.00, 5),
            Choice("Avocado", 2.50, 3),
            Choice("Extra Cheese", 1.00, 4),
            Choice("Fried Egg", 1.50, 1, disabled=True),
            Choice("Jalapeños", 0.75, 2),
            Choice("Grilled Onions", 0.75, 2),
        ),
    ),
    "side": OptionSpec(
        "Side",
        1,
        1,
        (
            Choice("French Fries", 0, 8),
            Choice("Sweet Potato Fries", 1.50, 3),
            Choice("Onion Rings", 2.00, 2),
            Choice("Side Salad", 1.50, 2),
            Choice("Fresh Fruit", 1.00, 2),
        ),
    ),
    "bread": OptionSpec(
        "Bread",
        1,
        1,
        (
            Choice("Sourdough", 0, 4),
            Choice("Whole Wheat", 0, 3),
            Choice("Rye", 0, 1),
            Choice("Croissant", 1.00, 2),
        ),
    ),
    "dressing": OptionSpec(
        "Dressing",
        1,
        1,
        (
            Choice("Ranch", 0, 4),
            Choice("Blue Cheese", 0, 2),
            Choice("Balsamic Vinaigrette", 0, 3),
            Choice("Honey Mustard", 0, 2),
            Choice("Lemon Herb Vinaigrette", 0, 2),
        ),
    ),
    "salad_protein": OptionSpec(
        "Add Protein",
        0,
        1,
        (
            Choice("Grilled Chicken", 5.00, 6),
            Choice("Grilled Shrimp", 7.00, 3),
            Choice("Salmon", 8.00, 2),
            Choice("Steak", 9.00, 1, disabled=True),
        ),
    ),
    "drink_size": OptionSpec("Size", 1, 1, (Choice("Regular", 0, 3), Choice("Large", 1.00, 2))),
    "beer_size": OptionSpec("Size", 1, 1, (Choice("Pint", 0, 9), Choice("Pitcher", 12.00, 1))),
    "wine_pour": OptionSpec("Pour", 1, 1, (Choice("Glass", 0, 9), Choice("Bottle", 27.00, 1))),
    "pizza_toppings": OptionSpec(
        "Extra Toppings",
        0,
        4,
        (
            Choice("Pepperoni", 1.50, 4),
            Choice("Italian Sausage", 1.50, 3),
            Choice("Mushrooms", 1.00, 3),
            Choice("Green Peppers", 1.00, 2),
            Choice("Extra Cheese", 1.50, 3),
            Choice("Gluten-Free Crust", 3.00, 1, disabled=True),
        ),
    ),
    "hot_dog_toppings": OptionSpec(
        "Toppings",
        0,
        3,
        (
            Choice("Chili", 1.00, 4),
            Choice("Cheese", 0.75, 4),
            Choice("Grilled Onions", 0.50, 2),
            Choice("Sauerkraut", 0.50, 1),
            Choice("Jalapeños", 0.50, 2),
        ),
    ),
    "eggs": OptionSpec(
        "Eggs",
        1,
        1,
        (Choice("Scrambled", 0, 5), Choice("Over Easy", 0, 2), Choice("Fried Hard", 0, 2)),
    ),
    "milk": OptionSpec(
        "Milk",
        0,
        1,
        (Choice("Oat Milk", 0.75, 3), Choice("Almond Milk", 0.75, 2), Choice("Skim Milk", 0, 1)),
    ),
    "boost": OptionSpec(
        "Boost",
        0,
        2,
        (
            Choice("Protein", 1.50, 3),
            Choice("Peanut Butter", 1.00, 2),
            Choice("Chia Seeds", 0.75, 1),
        ),
    ),
    "sauce": OptionSpec(
        "Dipping Sauce",
        1,
        2,
        (
            Choice("Ranch", 0, 5),
            Choice("Honey Mustard", 0, 3),
            Choice("BBQ", 0, 3),
            Choice("Buffalo", 0.50, 2),
        ),
    ),
}

MENUS: dict[str, str] = {
    # Austin, TX: golf first; the grill feeds the range and the halfway turn.
    "Pebble Creek Golf Club": """
[Breakfast]
Breakfast Burrito | 9.95 | 10 | breakfast | - | Scrambled eggs, chorizo, hash browns and cheddar
Sausage, Egg & Cheese Biscuit | 7.50 | 8 | breakfast | eggs | Buttermilk biscuit, sausage patty, egg
Pancake Stack | 8.95 | 4 | breakfast | - | Three buttermilk pancakes with maple syrup
Avocado Toast | 10.50 | 3 | breakfast | - | Smashed avocado, poached egg, multigrain | disabled
[Sandwiches & Wraps]
Club Sandwich | 13.95 | 12 | lunch | bread side | Turkey, ham, bacon, lettuce, tomato and mayo
Chicken Caesar Wrap | 12.50 | 9 | lunch | side | Grilled chicken, romaine, parmesan, Caesar dressing
Patty Melt | 13.50 | 5 | lunch | temperature side | Angus patty, Swiss and caramelized onions on rye
Hot Dog | 6.50 | 11 | allday | hot_dog_toppings | All-beef frank, the classic at the turn
[Burgers]
Classic Burger | 14.50 | 12 | lunch | temperature burger_addons side | Half-pound Angus on brioche
Bacon Cheeseburger | 16.50 | 10 | lunch | temperature burger_addons side | Bacon and aged cheddar
Mushroom Swiss Burger | 16.00 | 6 | lunch | temperature burger_addons side | Mushrooms and Swiss
[Salads]
Caesar Salad | 11.50 | 8 | lunch | salad_protein | Romaine, parmesan, croutons, Caesar dressing
Cobb Salad | 14.95 | 6 | lunch | dressing | Chicken, bacon, egg, avocado, tomato and blue cheese
[Sides]
French Fries | 4.50 | 8 | lunch | - | Hand-cut fries with sea salt
Onion Rings | 5.95 | 4 | lunch | - | Beer-battered, with chipotle ranch
Cup of Chili | 5.95 | 3 | lunch | - | Texas beef chili with cheddar and onions
[Desserts]
Chocolate Chip Cookie | 2.95 | 6 | allday | - | Baked fresh every morning
Brownie Sundae | 8.50 | 3 | lunch | - | Warm fudge brownie with vanilla ice cream
[Beverages]
Arnold Palmer | 3.75 | 12 | allday | drink_size | Half iced tea, half lemonade
Fountain Soda | 2.95 | 10 | allday | drink_size | Coke, Diet Coke, Sprite or Dr Pepper
Gatorade | 3.50 | 9 | allday | - | Lemon-lime, fruit punch or cool blue
Bottled Water | 2.50 | 8 | allday | - | Chilled 20 oz spring water
Coffee | 2.75 | 7 | allday | drink_size | Fresh-brewed drip coffee
[Beer & Wine]
Domestic Draft | 5.50 | 8 | lunch | beer_size | Bud Light, Miller Lite or Michelob Ultra
Craft IPA | 7.50 | 5 | lunch | beer_size | Rotating local IPA on tap
House Chardonnay | 9.00 | 3 | lunch | wine_pour | California chardonnay
""",
    # Charlotte, NC: the dining room, with dinner entrées and a bar.
    "Oak Hollow Country Club": """
[Breakfast]
Eggs Benedict | 14.50 | 6 | breakfast | - | Poached eggs, Canadian bacon and hollandaise
Veggie Omelet | 12.50 | 4 | breakfast | - | Spinach, mushrooms, peppers and feta; toast and fruit
[Starters]
Shrimp Cocktail | 15.95 | 4 | lunch | - | Five jumbo shrimp with cocktail sauce
Crab Cakes | 16.50 | 4 | lunch | - | Two lump crab cakes with remoulade | disabled
Soup of the Day | 6.95 | 5 | lunch | - | Always made in house
[Salads]
Wedge Salad | 11.95 | 5 | lunch | salad_protein | Iceberg, bacon, tomato and blue cheese dressing
Grilled Salmon Salad | 18.50 | 4 | lunch | dressing | Atlantic salmon over mixed greens with quinoa
[Sandwiches & Wraps]
Chicken Salad Sandwich | 12.95 | 7 | lunch | bread side | House chicken salad with grapes and pecans
Reuben | 14.50 | 5 | lunch | side | Corned beef, sauerkraut, Swiss and Russian dressing on rye
French Dip | 15.95 | 5 | lunch | side | Shaved prime rib on a hoagie roll with au jus
[Entrées]
Filet Mignon | 38.00 | 5 | dinner | temperature | 8 oz center-cut filet, whipped potatoes, asparagus
Pan-Seared Salmon | 28.00 | 5 | dinner | - | Lemon butter, wild rice and green beans
Chicken Piccata | 24.00 | 4 | dinner | - | Lemon caper sauce over angel hair pasta
[Desserts]
Key Lime Pie | 8.50 | 4 | lunch | - | Graham cracker crust and whipped cream
Crème Brûlée | 9.00 | 3 | dinner | - | Vanilla bean custard with caramelized sugar
[Beverages]
Fresh Lemonade | 3.95 | 6 | allday | drink_size | Squeezed to order
Cappuccino | 4.50 | 5 | allday | milk | Double espresso with steamed milk
[Cocktails]
Transfusion | 10.00 | 5 | lunch | - | Vodka, grape juice, ginger ale and lime: the golfer's cocktail
John Daly | 9.50 | 4 | lunch | - | An Arnold Palmer spiked with sweet tea vodka
[Beer & Wine]
Cabernet Sauvignon | 12.00 | 4 | lunch | wine_pour | Napa Valley cabernet
Prosecco | 11.00 | 3 | lunch | wine_pour | Italian sparkling wine
""",
    # Denver, CO: pool season drives the year.
    "Lakeside Tennis & Swim Club": """
[Breakfast]
Bagel & Cream Cheese | 4.50 | 5 | breakfast | - | Toasted everything bagel, whipped cream cheese
Breakfast Sandwich | 7.95 | 6 | breakfast | eggs | Egg, bacon and cheddar on an English muffin
[Pizzas]
Margherita Pizza | 13.00 | 9 | lunch | pizza_toppings | San Marzano tomato, fresh mozzarella, basil
Pepperoni Pizza | 14.00 | 11 | lunch | pizza_toppings | Cup-and-char pepperoni and mozzarella
BBQ Chicken Pizza | 15.00 | 6 | lunch | pizza_toppings | BBQ sauce, chicken, red onion, cilantro
[Snacks]
Chicken Tenders | 10.95 | 9 | lunch | sauce | Hand-breaded tenders with fries
Loaded Nachos | 9.95 | 6 | lunch | - | Queso, black beans, pico de gallo and jalapeños
[Salads]
Grilled Chicken Salad | 12.95 | 4 | lunch | dressing | Mixed greens, grilled chicken and cucumber
[Smoothies & Bowls]
Acai Bowl | 11.50 | 5 | allday | boost | Acai, granola, banana, berries and honey
Fruit Smoothie | 7.50 | 6 | allday | boost | Strawberry, banana and pineapple
[Beverages]
Frozen Lemonade | 4.50 | 8 | allday | - | Slushy lemonade, plain or strawberry
Iced Tea | 3.25 | 6 | allday | drink_size | Fresh-brewed, sweet or unsweet
[Beer & Wine]
Frosé | 10.00 | 4 | lunch | - | Frozen rosé slush
Hard Seltzer | 7.00 | 5 | lunch | - | Assorted flavors, ice cold
[Kids Menu | disabled]
Kids Grilled Cheese | 6.50 | 4 | lunch | - | American cheese on white bread with fruit
Kids Chicken Tenders | 7.50 | 4 | lunch | sauce | Two tenders with fries
""",
}


def parse_menu(text: str) -> tuple[CategorySpec, ...]:
    """Parse a menu table: ``[Category | disabled]`` headers, then item lines of the form
    ``name | price | popularity | daypart | option keys or - | description [| disabled]``."""
    categories: list[CategorySpec] = []
    for line in filter(None, (raw.strip() for raw in text.splitlines())):
        fields = [part.strip() for part in line.strip("[]").split("|")]
        if line.startswith("["):
            categories.append(CategorySpec(fields[0], (), disabled="disabled" in fields[1:]))
            continue
        name, price, popularity, daypart, options, description, *flags = fields
        keys = tuple(key for key in options.split() if key != "-")
        if daypart not in DAYPARTS or any(key not in OPTIONS for key in keys):
            raise ValueError(f"bad menu line: {line!r}")
        item = ItemSpec(
            name,
            float(price),
            float(popularity),
            DAYPARTS[daypart],
            description,
            keys,
            disabled="disabled" in flags,
        )
        last = categories[-1]
        categories[-1] = last._replace(items=(*last.items, item))
    return tuple(categories)


WEEKDAY_HOURS = ("07:00", "20:00")

LOCATIONS: tuple[LocationSpec, ...] = (
    LocationSpec(
        name="Pebble Creek Golf Club",  # Austin, TX: 8.25% combined sales tax
        timezone="America/Chicago",
        tax_rate=0.0825,
        menu="Clubhouse Grill",
        categories=parse_menu(MENUS["Pebble Creek Golf Club"]),
        hours=(("07:00", "20:00"),) * 5 + (("06:30", "21:00"),) * 2,  # early weekend tee times
        share=0.45,
        delivery_share=0.35,
        delivery_fee=3.99,
        season_amplitude=0.15,
        dayparts=(0.20, 0.45, 0.25, 0.10),
        area_codes=(512, 737),
        spot="the 12th tee",
    ),
    LocationSpec(
        name="Oak Hollow Country Club",  # Charlotte, NC: 7.25%
        timezone="America/New_York",
        tax_rate=0.0725,
        menu="The Terrace Room",
        categories=parse_menu(MENUS["Oak Hollow Country Club"]),
        hours=(("07:00", "21:00"),) * 4 + (("07:00", "22:00"),) * 2 + (("07:00", "21:30"),),
        share=0.35,
        delivery_share=0.22,
        delivery_fee=4.99,
        season_amplitude=0.10,
        dayparts=(0.12, 0.40, 0.38, 0.10),
        area_codes=(704, 980),
        spot="the back nine",
    ),
    LocationSpec(
        name="Lakeside Tennis & Swim Club",  # Denver, CO: 8.81%
        timezone="America/Denver",
        tax_rate=0.0881,
        menu="Poolside Café",
        categories=parse_menu(MENUS["Lakeside Tennis & Swim Club"]),
        hours=(("08:00", "20:00"),) * 5 + (("07:30", "21:00"),) * 2,
        share=0.20,
        delivery_share=0.30,
        delivery_fee=2.99,
        season_amplitude=0.40,  # pool season drives the year
        dayparts=(0.10, 0.50, 0.25, 0.15),
        area_codes=(303, 720),
        spot="our cabana",
    ),
)

RATING_CATEGORIES = ("Food", "Service", "Speed", "Value")

_FIRST = """
    James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard
    Susan Joseph Jessica Thomas Sarah Christopher Karen Charles Lisa Daniel Nancy Matthew Betty
    Anthony Margaret Mark Sandra Donald Ashley Steven Kimberly Paul Emily Andrew Donna Joshua
    Michelle Kenneth Carol Kevin Amanda Brian Melissa George Deborah Timothy Stephanie Ronald
    Rebecca Edward Laura Jason Sharon Jeffrey Cynthia Ryan Kathleen Jacob Amy Gary Angela Nicholas
    Shirley Eric Anna Jonathan Brenda Stephen Pamela Larry Emma Justin Nicole Scott Helen Brandon
    Samantha
    Benjamin Katherine Samuel Christine Gregory Debra Alexander Rachel Patrick Carolyn Frank Janet
    Raymond Catherine Jack Maria Dennis Heather Jerry Diane Tyler Olivia Aaron Julie Jose Joyce
    Adam Victoria Nathan Grace Henry Sophia Hunter Chloe Carter Avery"""
FIRST_NAMES = tuple(_FIRST.split())

_LAST = """
    Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez
    Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris
    Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill
    Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips
    Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers
    Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson
    Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders
    Patel Myers Long Ross Foster O'Brien McAllister Whitaker Lindqvist"""
LAST_NAMES = tuple(_LAST.split())

EMAIL_DOMAINS = ("example.com", "example.net", "example.org")

# Rating comments by category and sentiment (negative: 1-2, mixed: 3, positive: 4-5).
# "{item}" is an item of the rated order; "{spot}" is where the location delivers.
COMMENTS: dict[str, dict[str, tuple[str, ...]]] = {
    "Food": {
        "negative": (
            "{item} was cold.",
            "{item} was overcooked.",
            "Fries were cold.",
            "The {item} was soggy by the time I got it.",
            "Missing the side I ordered.",
        ),
        "mixed": ("{item} was fine, a little salty.", "Good, not great.", "{item} was just OK."),
        "positive": (
            "The {item} was excellent!",
            "Best {item} in town.",
            "Loved the {item}.",
            "Great food as always.",
        ),
    },
    "Service": {
        "negative": (
            "Nobody answered the phone when I called about my order.",
            "Got the wrong order.",
            "Staff seemed overwhelmed.",
        ),
        "mixed": ("Friendly but a bit disorganized.", "Service was OK."),
        "positive": (
            "Great service at the turn!",
            "Staff were super friendly.",
            "Thanks to the team for taking care of us!",
        ),
    },
    "Speed": {
        "negative": (
            "Took 40 minutes to reach {spot}.",
            "Waited 30 minutes for a pickup order.",
            "Slow on a busy Saturday.",
        ),
        "mixed": ("A little slow but worth the wait.", "Took longer than the app said."),
        "positive": (
            "Delivered to {spot} in ten minutes.",
            "Super fast!",
            "Ready when I got there.",
        ),
    },
    "Value": {
        "negative": (
            "Pricey for a {item}.",
            "Delivery fee seems steep.",
            "Small portion for the price.",
        ),
        "mixed": ("A bit expensive, but it's the club.", "Prices went up?"),
        "positive": ("Fair prices for the portion size.", "Good value for club food."),
    },
}
