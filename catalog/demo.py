"""Demo catalog and assets: seed 002's under their own ids, plus enough around them to browse."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from catalog import models
from portal.models import Employee, Tenant

CDN = "https://cdn.tangoe.com//images"
US_STATES = [
    ("AL", "Alabama"), ("AK", "Alaska"), ("AZ", "Arizona"), ("AR", "Arkansas"),
    ("CA", "California"), ("CO", "Colorado"), ("CT", "Connecticut"), ("DE", "Delaware"),
    ("DC", "District of Columbia"), ("FL", "Florida"), ("GA", "Georgia"), ("HI", "Hawaii"),
    ("ID", "Idaho"), ("IL", "Illinois"), ("IN", "Indiana"), ("IA", "Iowa"), ("KS", "Kansas"),
    ("KY", "Kentucky"), ("LA", "Louisiana"), ("ME", "Maine"), ("MD", "Maryland"),
    ("MA", "Massachusetts"), ("MI", "Michigan"), ("MN", "Minnesota"), ("MS", "Mississippi"),
    ("MO", "Missouri"), ("MT", "Montana"), ("NE", "Nebraska"), ("NV", "Nevada"),
    ("NH", "New Hampshire"), ("NJ", "New Jersey"), ("NM", "New Mexico"), ("NY", "New York"),
    ("NC", "North Carolina"), ("ND", "North Dakota"), ("OH", "Ohio"), ("OK", "Oklahoma"),
    ("OR", "Oregon"), ("PA", "Pennsylvania"), ("RI", "Rhode Island"), ("SC", "South Carolina"),
    ("SD", "South Dakota"), ("TN", "Tennessee"), ("TX", "Texas"), ("UT", "Utah"),
    ("VT", "Vermont"), ("VA", "Virginia"), ("WA", "Washington"), ("WV", "West Virginia"),
    ("WI", "Wisconsin"), ("WY", "Wyoming"),
]  # fmt: skip
CA_PROVINCES = [  # by name, as the child regions are listed
    ("AB", "Alberta"), ("BC", "British Columbia"), ("MB", "Manitoba"), ("NB", "New Brunswick"),
    ("NL", "Newfoundland and Labrador"), ("NT", "Northwest Territories"), ("NS", "Nova Scotia"),
    ("NU", "Nunavut"), ("ON", "Ontario"), ("PE", "Prince Edward Island"), ("QC", "Quebec"),
    ("SK", "Saskatchewan"), ("YT", "Yukon"),
]  # fmt: skip


def _street_lines() -> list[dict]:
    return [
        {"id": "LINE_1", "label": "Address Line1", "minLength": 1, "maxLength": 100,
         "validation": "REQUIRED"},
        {"id": "LINE_2", "label": "Address Line2", "minLength": 0, "maxLength": 100,
         "validation": "OPTIONAL"},
        {"id": "LINE_3", "label": "Address Line3", "minLength": 0, "maxLength": 100,
         "validation": "OPTIONAL"},
    ]  # fmt: skip


def _subdivision_line(line_id: str, label: str, subdivisions, example: str) -> dict:
    """A country's STATE / PROVINCE line: its options are the country's child regions."""
    return {
        "id": line_id, "label": label, "minLength": 2, "maxLength": 2, "validation": "REQUIRED",
        "options": [{"id": code, "label": name} for code, name in subdivisions],
        "pattern": f"[{example}]", "regEx": "[A-Za-z][A-Za-z]",
    }  # fmt: skip


# Labels as seed 002's confirmation has them ("Address Line1", "Zip Code"); the rest as the
# addresses tutorial's example.
US_ADDRESS_FORMAT = [
    *_street_lines(),
    {"id": "CITY", "label": "City", "minLength": 1, "maxLength": 50, "validation": "REQUIRED"},
    _subdivision_line("STATE", "State", US_STATES, "TX"),
    {"id": "POSTAL_CODE", "label": "Zip Code", "minLength": 4, "maxLength": 10,
     "validation": "REQUIRED", "pattern": "[99999] or [99999-9999]",
     "regEx": "[0-9]{4,5}(-[0-9]{4})?"},
]  # fmt: skip
# Canada Post: a province or territory, and a postal code "A9A 9A9" (no D, F, I, O, Q, U; no
# W or Z first). Postal codes are matched case-insensitively (catalog.addresses).
CA_ADDRESS_FORMAT = [
    *_street_lines(),
    {"id": "CITY", "label": "City", "minLength": 1, "maxLength": 50, "validation": "REQUIRED"},
    _subdivision_line("PROVINCE", "Province", CA_PROVINCES, "ON"),
    {"id": "POSTAL_CODE", "label": "Postal Code", "minLength": 6, "maxLength": 7,
     "validation": "REQUIRED", "pattern": "[A9A 9A9]",
     "regEx": "[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z] ?[0-9][ABCEGHJ-NPRSTV-Z][0-9]"},
]  # fmt: skip
# Royal Mail: the post town, an optional county (free text: counties are no longer needed to
# deliver), and a postcode "AA9A 9AA" (outward code of 2 to 4 characters, inward code 9AA).
GB_ADDRESS_FORMAT = [
    *_street_lines(),
    {"id": "CITY", "label": "Town/City", "minLength": 1, "maxLength": 50,
     "validation": "REQUIRED"},
    {"id": "COUNTY", "label": "County", "minLength": 0, "maxLength": 50,
     "validation": "OPTIONAL"},
    {"id": "POSTAL_CODE", "label": "Postcode", "minLength": 5, "maxLength": 8,
     "validation": "REQUIRED", "pattern": "[AA9A 9AA]",
     "regEx": "[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}"},
]  # fmt: skip
US_REGION_ID = 70144640
CA_REGION_ID = 70144700
GB_REGION_ID = 70144800
# id, name, ISO code, address format, child regions (code, name), dialling code, currency
# (code, name, symbol), postal code pattern and its regular expression.
COUNTRIES = [
    (US_REGION_ID, "United States", "US", US_ADDRESS_FORMAT, US_STATES, "1",
     ("USD", "US Dollars", "$"), "99999", r"^\d{5}$"),
    (CA_REGION_ID, "Canada", "CA", CA_ADDRESS_FORMAT, CA_PROVINCES, "1",
     ("CAD", "Canadian Dollars", "$"), "A9A 9A9",
     r"^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d$"),
    (GB_REGION_ID, "United Kingdom", "GB", GB_ADDRESS_FORMAT, [], "44",
     ("GBP", "Pounds Sterling", "\u00a3"), "AA9A 9AA", r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$"),
]  # fmt: skip


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _usd(amount: str, recurrence: str = "ONETIME") -> dict:
    return {
        "price_amount": Decimal(amount),
        "price_currency": "USD",
        "price_recurrence": recurrence,
    }


def _put(model, pk, /, **values):
    """The row `pk` of `model` with these values, created or updated: loading twice changes
    nothing."""
    row, _ = model.objects.update_or_create(pk=pk, defaults=values)
    return row


def _load_regions() -> None:
    """The countries, each with its states or provinces as child regions (ids after the
    country's)."""
    for pk, name, code, fmt, subdivisions, dialling, currency, pattern, regex in COUNTRIES:
        country = _put(
            models.Region,
            pk,
            name=name,
            code=code,
            type=models.Region.Type.COUNTRY,
            parent=None,
            address_format=fmt,
            country_code=dialling,
            currency_code=currency[0],
            currency_name=currency[1],
            currency_symbol=currency[2],
            postal_code_pattern=pattern,
            postal_code_regex=regex,
        )
        for index, (sub_code, sub_name) in enumerate(subdivisions, start=1):
            _put(
                models.Region,
                pk + index,
                name=sub_name,
                code=sub_code,
                type=models.Region.Type.STATE_PROVINCE,
                parent=country,
            )


def load(tenants: dict[str, Tenant]) -> None:
    acme, globex = tenants["acme"], tenants["globex"]
    _load_regions()

    # Three carriers (with their networks' access methods, as the tutorials' devices have them)
    # and a reseller, so that `/vendors?type=CARRIER` leaves something out.
    us = models.Region.objects.get(pk=US_REGION_ID)
    carrier, reseller = models.Vendor.Type.CARRIER, models.Vendor.Type.RESELLER
    verizon = _put(
        models.Vendor, 98, name="Verizon Wireless", logo_url=f"{CDN}/carrier/logo_VER.gif",
        type=carrier, access_method="CDMA", region=us,
    )  # fmt: skip
    att = _put(
        models.Vendor, 99, name="AT&T Wireless", logo_url=f"{CDN}/carrier/logo_ATT.gif",
        type=carrier, access_method="GSM", region=us,
    )  # fmt: skip
    # acme's carrier to port its Verizon lines to (PORT_NUMBER), with one device and plan.
    tmobile = _put(
        models.Vendor, 101, name="T-Mobile", logo_url=f"{CDN}/carrier/logo_TMO.gif",
        type=carrier, access_method="GSM", region=us,
    )  # fmt: skip
    _put(
        models.Vendor, 100, name="CDW", logo_url=f"{CDN}/vendors/logo_CDW.gif",
        type=reseller, access_method="", region=us,
    )  # fmt: skip
    makers = {}
    # "Other": the make (and model) of a device the catalog lacks (SWAP_DEVICES).
    for name in ["LG", "Verizon Wireless", "Apple", "Samsung", "Belkin", "OtterBox", "Anker",
                 models.Manufacturer.OTHER]:  # fmt: skip
        makers[name] = _put(
            models.Manufacturer, name, name=name, logo_url=f"{CDN}/manufacturers/{name}.gif"
        )

    devices = {}
    for pk, maker, model, vendor, access, amount in [
        (5101, "LG", "Cookie Plus", verizon, "CDMA", "49.99"),
        (5102, "Apple", "iPhone 15", verizon, "LTE", "729.00"),
        (5103, "Samsung", "Galaxy S24", verizon, "LTE", "699.00"),
        (5104, "Samsung", "Galaxy S24", att, "LTE", "689.00"),
        (5105, "Apple", "iPhone 15", att, "LTE", "719.00"),
        (5106, "Apple", "iPhone 15 Pro", tmobile, "LTE", "999.00"),
    ]:
        devices[pk] = _put(
            models.Device,
            pk,
            manufacturer=makers[maker],
            model=model,
            vendor=vendor,
            access_method=access,
            **_usd(amount),
        )
    devices[5101].offered_to.set([acme])
    devices[5102].offered_to.set([acme])
    devices[5103].offered_to.set([acme])
    devices[5104].offered_to.set([globex])
    devices[5105].offered_to.set([globex])
    devices[5106].offered_to.set([acme])

    plans = {}
    for pk, vendor, name, amount, tenants in [
        (6101, verizon, "Business Unlimited", "45.00", [acme]),
        (6102, verizon, "Business 10 GB", "30.00", [acme]),
        (6201, att, "Business Unlimited Elite", "50.00", [globex]),
        (6202, tmobile, "Business Unlimited Starter", "40.00", [acme]),
    ]:
        plans[pk] = _put(models.Plan, pk, vendor=vendor, name=name, **_usd(amount, "MONTHLY"))
        plans[pk].offered_to.set(tenants)
    _load_included_features(
        plans,
        {
            6101: ["Unlimited talk and text", "Unlimited data", "Voicemail"],
            6102: ["Unlimited talk and text", "10 GB shared data"],
            6201: ["Unlimited talk and text", "Unlimited data", "5G access"],
            6202: ["Unlimited talk and text", "Unlimited data"],
        },
    )
    for pk, plan, name, amount in [
        (7101, 6101, "International roaming", "10.00"),
        (7102, 6101, "Mobile hotspot", "5.00"),
        (7103, 6102, "Mobile hotspot", "5.00"),
        (7201, 6201, "International roaming", "12.00"),
        (7202, 6202, "Mobile hotspot", "5.00"),
    ]:
        feature = _put(models.Feature, pk, plan=plans[plan], name=name, **_usd(amount, "MONTHLY"))
        feature.offered_to.set(plans[plan].offered_to.all())

    cookie, iphone_vz, galaxy_vz = devices[5101], devices[5102], devices[5103]
    galaxy_att, iphone_att = devices[5104], devices[5105]
    accessories = [
        # Seed 002's two, under their own ids.
        (3628935898, "Verizon Wireless Vehicle Charger with Dual Output (MICRDUALVPC-F)",
         "Verizon Wireless", verizon, "22.49", f"{CDN}/devices/VER/MICRDUALVPCF_m.jpg",
         [cookie, galaxy_vz], [acme]),
        (3628939021,
         "Verizon Wireless Rapid Wall Charger with 6ft Cable for Micro USB (EMICUSBDTVL-F)",
         "Verizon Wireless", verizon, "22.49", f"{CDN}/devices/VER/EMICUSBDTVL_F_m.jpg",
         [cookie], [acme]),
        (3628940001, "LG Cookie Plus Leather Pouch", "LG", verizon, "14.99", "", [cookie], [acme]),
        (3628940002, "LG Stereo Headset (Micro USB)", "LG", verizon, "19.99", "", [cookie],
         [acme]),
        (3628940003, "Verizon Wireless Micro USB Data Cable", "Verizon Wireless", verizon, "9.99",
         "", [cookie, galaxy_vz], [acme]),
        (3628940004, "Belkin Car Vent Mount", "Belkin", verizon, "24.99", "",
         [cookie, iphone_vz, galaxy_vz], [acme, globex]),
        (3628940005, "OtterBox Defender for iPhone 15", "OtterBox", verizon, "59.95", "",
         [iphone_vz, iphone_att], [acme, globex]),
        (3628940006, "Apple 20W USB-C Power Adapter", "Apple", verizon, "19.00", "",
         [iphone_vz], [acme]),
        (3628940007, "Apple EarPods (USB-C)", "Apple", verizon, "19.00", "", [iphone_vz], [acme]),
        (3628940008, "Samsung 25W Super Fast Charger", "Samsung", verizon, "24.99", "",
         [galaxy_vz], [acme]),
        (3628940009, "Samsung Galaxy S24 Silicone Case", "Samsung", verizon, "29.99", "",
         [galaxy_vz], [acme]),
        (3628940010, "Anker 737 Power Bank (24,000 mAh)", "Anker", verizon, "109.99", "",
         [cookie, iphone_vz, galaxy_vz], [acme]),
        (3628940011, "Anker USB-C to Lightning Cable", "Anker", verizon, "15.99", "",
         [iphone_vz], [acme]),
        (3628940012, "Samsung Galaxy Buds FE", "Samsung", verizon, "99.99", "", [galaxy_vz],
         [acme]),
        (3628950001, "AT&T Galaxy S24 Rugged Case", "Samsung", att, "34.99", "", [galaxy_att],
         [globex]),
        (3628950002, "AT&T 45W USB-C Car Charger", "Samsung", att, "29.99", "",
         [galaxy_att, iphone_att], [globex]),
        (3628950003, "Samsung Wireless Charger Pad", "Samsung", att, "39.99", "", [galaxy_att],
         [globex]),
    ]  # fmt: skip
    for pk, name, maker, vendor, amount, image, fits, offered in accessories:
        accessory = _put(
            models.Accessory,
            pk,
            name=name,
            manufacturer=makers[maker],
            vendor=vendor,
            image_url=image,
            **_usd(amount),
        )
        accessory.fits.set(fits)
        accessory.offered_to.set(offered)

    _load_assets(acme, globex, plans, devices)
    _load_acknowledgements([acme, globex], verizon=verizon, att=att)


def _load_included_features(plans: dict, included: dict[int, list[str]]) -> None:
    """Each plan's included features, in this order (loading twice changes nothing; a feature
    the list no longer has is dropped)."""
    for pk, descriptions in included.items():
        for position, description in enumerate(descriptions):
            models.IncludedFeature.objects.update_or_create(
                plan=plans[pk], position=position, defaults={"description": description}
            )
        plans[pk].included_features.filter(position__gte=len(descriptions)).delete()


def _load_assets(acme: Tenant, globex: Tenant, plans: dict, devices: dict) -> None:
    people = {e.pk: e for e in Employee.objects.filter(tenant__in=[acme, globex])}
    lines = [
        # (service id, tenant, number, holder, plan, device asset id, catalog device, extras)
        (38382349, acme, "2035557676", 28673732, 6101, 35362368, 5101, {
            "access_method": "CDMA", "company_asset_id": "Peter's Cookie",
            "mac_address": "90:33:20:94:31", "serial_number_type": "ESN",
            "serial_number": "4289183847832", "sim_id": "83924758342478392342"}),
        (38382350, acme, "2035557677", 28673733, 6101, 35362369, 5102, {
            "access_method": "LTE", "company_asset_id": "ACME-IPH-0001",
            "serial_number_type": "IMEI", "serial_number": "356938035643809",
            "sim_id": "89014103211118510720"}),
        (38382351, acme, "2035557678", 28673737, 6102, 35362370, 5103, {
            "access_method": "LTE", "company_asset_id": "ACME-GS24-0002",
            "serial_number_type": "IMEI", "serial_number": "356938035643810",
            "sim_id": "89014103211118510721"}),
        (48382349, globex, "3125557676", 38673732, 6201, 45362368, 5104, {
            "access_method": "LTE", "company_asset_id": "GLX-0001",
            "serial_number_type": "IMEI", "serial_number": "356938035649999",
            "sim_id": "89014103211118519999"}),
    ]  # fmt: skip
    for service_id, tenant, number, holder, plan, asset_id, device, extras in lines:
        service = _put(
            models.ServiceAsset,
            service_id,
            tenant=tenant,
            service_number=number,
            vendor=plans[plan].vendor,
            plan=plans[plan],
            status=models.ServiceAsset.Status.ACTIVE,
            account_holder=people[holder],
            activated_at=_utc("2010-01-20T06:00:00"),
            contract_start=_utc("2014-01-21T06:00:00"),
            contract_end=_utc("2016-01-21T06:00:00"),
            last_device_upgrade=_utc("2014-01-21T06:00:00"),
        )
        _put(
            models.DeviceAsset,
            asset_id,
            tenant=tenant,
            device=devices[device],
            holder=people[holder],
            service=service,
            **extras,
        )


# --- What the carriers ask of a transfer of ownership (tutorials/acknowledgements) --------------

FAMILY_PLANS = (
    "Family & Shared Minute Plans",
    [
        "PLEASE READ: In order to transfer a personally-liable account to a corporate-liable "
        "account, the user may be required to have service with the corporate carrier currently.",
        "Before transferring your number, please contact your current carrier to resolve an "
        "outstanding balance, if required.",
    ],
)
AUTHORIZATION = (
    "Authorization of Transfer",
    [
        "PLEASE READ: By transferring your number to the company, you agree to give up all rights "
        "to that number. Depending upon the company's policy, the number may not be transferrable "
        "back to you."
    ],
)
TERMINATION = (
    "Termination Fee Notice",
    [
        "PLEASE READ: You may be required to pay a termination fee when moving your service "
        "number to a new carrier. Please contact your cellular provider to determine if a "
        "termination fee will be charged."
    ],
)
REQUIRED = models.Acknowledgement.Validation.REQUIRED
OPTIONAL = models.Acknowledgement.Validation.OPTIONAL
SHARED_PLAN = (
    "SHARED_PLAN",
    "I verify that the service number to be transferred is no longer on a family shared plan. "
    "This has been confirmed with my current carrier.",
    REQUIRED,
)
LIABILITY = (
    "LIABILITY_TRANSFER",
    "I authorize the transfer of liability for this service number to the company.",
    REQUIRED,
)
TERMINATION_FEE = (
    "TERMINATION_FEE",
    "I authorize this port of service to the new carrier. I accept personal responsibility for "
    "any termination fees or other charges incurred.",
    REQUIRED,
)


def _load_acknowledgements(tenants: list[Tenant], *, verizon, att) -> None:
    """Verizon's for the three transfers (the ids its tutorials' orders send back), and AT&T's
    transfer in as the acknowledgements tutorial's example has it."""
    tt = models.TransactionType
    config = [
        # (vendor, type, info blocks, acknowledgements (id, label, validation))
        (verizon, tt.XFER_SERVICE_IN, [FAMILY_PLANS, AUTHORIZATION], [SHARED_PLAN, LIABILITY]),
        (verizon, tt.XFER_SERVICE_IN_AND_PORT, [FAMILY_PLANS, TERMINATION],
         [SHARED_PLAN, TERMINATION_FEE]),
        (verizon, tt.XFER_SERVICE_OUT, [], [(
            "PERSONAL_LIABILITY",
            "I understand that the line and its charges are mine once it is transferred.",
            OPTIONAL,
        )]),
        (att, tt.XFER_SERVICE_IN, [FAMILY_PLANS, AUTHORIZATION, TERMINATION], [
            ("FAMILY_SHARED_MINUTE_PLAN", SHARED_PLAN[1], REQUIRED),
            ("AUTHORIZATION_OF_TRANSFER", LIABILITY[1], REQUIRED),
            ("TERMINATION_FEES", TERMINATION_FEE[1], REQUIRED),
        ]),
    ]  # fmt: skip
    for tenant in tenants:
        models.InfoBlock.objects.filter(tenant=tenant).delete()
        models.Acknowledgement.objects.filter(tenant=tenant).delete()
        for vendor, kind, blocks, acks in config:
            where = {"tenant": tenant, "vendor": vendor, "transaction_type": kind}
            models.InfoBlock.objects.bulk_create(
                models.InfoBlock(**where, position=i, header=header, paragraphs=paragraphs)
                for i, (header, paragraphs) in enumerate(blocks)
            )
            models.Acknowledgement.objects.bulk_create(
                models.Acknowledgement(
                    **where, position=i, ack_id=ack_id, label=label, validation=validation
                )
                for i, (ack_id, label, validation) in enumerate(acks)
            )
