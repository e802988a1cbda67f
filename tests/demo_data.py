"""The demo's rows (`manage.py load_demo`) looked up by what they are, for tests that use the
demo world: a test names "peter's line" or "the Galaxy S24 on Verizon" and reads its id, rather
than typing the demo's numbers. Every lookup is a `.get()`: a name that stops being unique, or
a row the demo no longer has, fails loudly."""

from __future__ import annotations

from catalog.models import (
    Accessory,
    Device,
    DeviceAsset,
    Feature,
    Plan,
    Region,
    ServiceAsset,
    Vendor,
)
from portal.models import Department, Employee

VERIZON, ATT, TMOBILE = "Verizon Wireless", "AT&T Wireless", "T-Mobile"


def api_id(row) -> str:
    """The id of a row as the API writes it (a string)."""
    return str(row.pk)


def employee(username: str) -> Employee:
    return Employee.objects.select_related("tenant", "user").get(user__username=username)


def department(tenant_slug: str, name: str) -> Department:
    return Department.objects.get(tenant__slug=tenant_slug, name=name)


def vendor(name: str) -> Vendor:
    return Vendor.objects.get(name=name)


def device(model: str, carrier: str = VERIZON) -> Device:
    """A catalog device by its model and carrier ("Galaxy S24" is sold by both)."""
    return Device.objects.get(model=model, vendor__name=carrier)


def plan(name: str) -> Plan:
    return Plan.objects.get(name=name)


def feature(name: str, plan: str = "Business Unlimited") -> Feature:
    """An optional feature of a plan ("Mobile hotspot" is a feature of two)."""
    return Feature.objects.get(name=name, plan__name=plan)


def accessory(name: str) -> Accessory:
    """An accessory by its name, or the start of it ("Samsung 25W")."""
    return Accessory.objects.get(name__startswith=name)


def region(name: str = "United States") -> Region:
    return Region.objects.get(name=name)


def line_of(holder: Employee | str) -> ServiceAsset:
    """The demo line of an employee (or username): each demo person has at most one."""
    if isinstance(holder, str):
        return ServiceAsset.objects.get(account_holder__user__username=holder)
    return ServiceAsset.objects.get(account_holder=holder)


def phone_of(holder: Employee | str) -> DeviceAsset:
    """The device on an employee's demo line."""
    return DeviceAsset.objects.get(service=line_of(holder))


# --- The rows tests name most, by what people call them -------------------------------------


def verizon() -> Vendor:
    return vendor(VERIZON)


def att() -> Vendor:
    return vendor(ATT)


def tmobile() -> Vendor:
    return vendor(TMOBILE)


def united_states() -> Region:
    return region("United States")


def cookie_plus() -> Device:
    """The LG Cookie Plus (Verizon, acme's): peter's phone."""
    return device("Cookie Plus")


def iphone_15(carrier: str = VERIZON) -> Device:
    """Apple's iPhone 15: on Verizon acme's, on AT&T globex's."""
    return device("iPhone 15", carrier)


def iphone_15_pro() -> Device:
    """Apple's iPhone 15 Pro on T-Mobile, acme's: the carrier acme's lines may be ported to."""
    return device("iPhone 15 Pro", TMOBILE)


def galaxy_s24(carrier: str = VERIZON) -> Device:
    """Samsung's Galaxy S24: on Verizon acme's, on AT&T globex's."""
    return device("Galaxy S24", carrier)


def business_unlimited() -> Plan:
    """Verizon's 45.00 a month plan, acme's: peter's line is on it."""
    return plan("Business Unlimited")


def business_10gb() -> Plan:
    """Verizon's 30.00 a month plan, acme's."""
    return plan("Business 10 GB")


def business_unlimited_elite() -> Plan:
    """AT&T's plan, globex's."""
    return plan("Business Unlimited Elite")


def business_unlimited_starter() -> Plan:
    """T-Mobile's plan, acme's (for a port): 40.00 a month, with a mobile hotspot."""
    return plan("Business Unlimited Starter")


def roaming(plan: str = "Business Unlimited") -> Feature:
    """International roaming: 10.00 a month on Business Unlimited."""
    return feature("International roaming", plan)


def hotspot(plan: str = "Business Unlimited") -> Feature:
    """The mobile hotspot: 5.00 a month (Business Unlimited and Business 10 GB have one)."""
    return feature("Mobile hotspot", plan)


def vehicle_charger() -> Accessory:
    """Seed 002's first accessory (22.49): fits the Cookie Plus and the Verizon Galaxy S24."""
    return accessory("Verizon Wireless Vehicle Charger")


def wall_charger() -> Accessory:
    """Seed 002's second accessory (22.49): fits the Cookie Plus only."""
    return accessory("Verizon Wireless Rapid Wall Charger")


def galaxy_charger() -> Accessory:
    """The Samsung 25W charger (24.99): fits the Verizon Galaxy S24 only."""
    return accessory("Samsung 25W Super Fast Charger")


def otterbox() -> Accessory:
    """The OtterBox for the iPhone 15: offered to both tenants, fits iPhones only."""
    return accessory("OtterBox Defender")


def galaxy_rugged_case() -> Accessory:
    """The AT&T Galaxy S24 case: globex's only, fits the AT&T Galaxy S24."""
    return accessory("AT&T Galaxy S24 Rugged Case")


def hotspot_10gb() -> Feature:
    """The mobile hotspot of Business 10 GB (5.00 a month): that plan's only feature."""
    return hotspot("Business 10 GB")


def galaxy_case() -> Accessory:
    """The Samsung Galaxy S24 Silicone Case (29.99): acme's, fits the Verizon Galaxy S24 only."""
    return accessory("Samsung Galaxy S24 Silicone Case")


def line_numbered(number: str) -> ServiceAsset:
    """A demo line by its phone number: for tests that give its holder a second line."""
    return ServiceAsset.objects.get(service_number=number)
