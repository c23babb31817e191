"""What Intuit's schema lets a client send: the properties of each type, and string limits.

Properties follow the complexTypes of intuit/QuickBooks-V3-Java-SDK:`ipp-v3-java-data/src/main/xsd/Finance.xsd`
(with `IntuitBaseTypes.xsd` for addresses, refs and MetaData), flattened through their base types
(IntuitEntity → NameBase / Transaction → SalesTransaction). QuickBooks parses a JSON body with
Jackson into these classes and refuses a property the class lacks with 2010 "Unrecognized field …
not marked as ignorable" (routablehq/python-quickbooks#80, #38), at any depth.

A type maps each property to the type of its value, or None for a scalar (or a type Intuit marks
internal, such as the `…Ex` extension holders, which are not checked further).
"""

from __future__ import annotations

from typing import Any

from local.simulators.quickbooks_online import errors

REF = "ReferenceType"


def _type(scalars: str, **nested: str) -> dict[str, str | None]:
    """A type's properties: scalars named in one string, nested ones with the type of their value."""
    return {**dict.fromkeys(scalars.split()), **nested}


ENTITY_BASE = _type(
    "Id SyncToken AttachableRef domain status sparse", MetaData="ModificationMetaData", CustomField="CustomField"
)
CONTACT_INFO = _type(
    (
        "Title GivenName MiddleName FamilyName Suffix DisplayName PrintOnCheckName Active  "
        "OtherContactInfo Notes V4IDPseudonym Source"
    ),
    PrimaryPhone="TelephoneNumber",
    AlternatePhone="TelephoneNumber",
    Mobile="TelephoneNumber",
    Fax="TelephoneNumber",
    PrimaryEmailAddr="EmailAddress",
    WebAddr="WebSiteAddress",
)
TRANSACTION = _type(
    (
        "DocNumber TxnDate ExchangeRate PrivateNote TxnStatus TxnSource TaxFormType TaxFormNum  "
        "TransactionLocationType HomeTotalAmt TotalAmt"
    ),
    DepartmentRef=REF,
    CurrencyRef=REF,
    LinkedTxn="LinkedTxn",
    Line="Line",
    TxnTaxDetail="TxnTaxDetail",
    TaxExemptionRef=REF,
    RecurDataRef=REF,
    ProjectRef=REF,
)
SALES_TRANSACTION = {
    **TRANSACTION,
    **_type(
        (
            "AutoDocNumber FreeFormAddress DueDate GlobalTaxCalculation ShipDate TrackingNum  "
            "PrintStatus EmailStatus Balance HomeBalance ApplyTaxAfterDiscount PaymentRefNum  "
            "DeliveryInfo"
        ),
        CustomerRef=REF,
        CustomerMemo="MemoRef",
        BillAddr="PhysicalAddress",
        ShipAddr="PhysicalAddress",
        ShipFromAddr="PhysicalAddress",
        ClassRef=REF,
        SalesTermRef=REF,
        ShipMethodRef=REF,
        BillEmail="EmailAddress",
        BillEmailCc="EmailAddress",
        BillEmailBcc="EmailAddress",
        ARAccountRef=REF,
        PaymentMethodRef=REF,
        DepositToAccountRef=REF,
    ),
}
PROPERTIES: dict[str, dict[str, str | None]] = {
    "ReferenceType": _type("value name type"),
    "MemoRef": _type("value id"),
    "ModificationMetaData": _type(
        "CreateTime LastUpdatedTime LastChangedInQB Synchronized", CreatedByRef=REF, LastModifiedByRef=REF
    ),
    "PhysicalAddress": _type(
        "Id Line1 Line2 Line3 Line4 Line5 City Country CountryCode County CountrySubDivisionCode  "
        "PostalCode PostalCodeSuffix Lat Long Tag Note"
    ),
    "EmailAddress": _type("Id Address Default Tag"),
    "WebSiteAddress": _type("Id URI Default Tag"),
    "TelephoneNumber": _type("Id DeviceType CountryCode AreaCode ExchangeCode Extension FreeFormNumber Default Tag"),
    "CustomField": _type("DefinitionId Name Type StringValue BooleanValue DateValue NumberValue"),
    "LinkedTxn": _type("TxnId TxnType TxnLineId"),
    "Line": _type(
        "Id LineNum Description Amount DetailType GroupLineDetail LineEx",
        LinkedTxn="LinkedTxn",
        SalesItemLineDetail="SalesItemLineDetail",
        DescriptionLineDetail="DescriptionLineDetail",
        SubTotalLineDetail="SubTotalLineDetail",
        DiscountLineDetail="DiscountLineDetail",
        TaxLineDetail="TaxLineDetail",
        CustomField="CustomField",
        ProjectRef=REF,
    ),
    "SalesItemLineDetail": _type(
        (
            "UnitPrice RatePercent MarkupInfo Qty UOMRef ServiceDate TaxInclusiveAmt DiscountRate  "
            "DiscountAmt SalesItemLineDetailEx"
        ),
        ItemRef=REF,
        ClassRef=REF,
        PriceLevelRef=REF,
        ItemAccountRef=REF,
        InventorySiteRef=REF,
        TaxCodeRef=REF,
        TaxClassificationRef=REF,
    ),
    "DescriptionLineDetail": _type("ServiceDate", TaxCodeRef=REF),
    "SubTotalLineDetail": _type("", ItemRef=REF),
    "DiscountLineDetail": _type(
        "Discount PercentBased DiscountPercent DiscountLineDetailEx",
        ClassRef=REF,
        TaxCodeRef=REF,
        DiscountAccountRef=REF,
    ),
    "TaxLineDetail": _type(
        ("NetAmountTaxable TaxInclusiveAmount OverrideDeltaAmount PercentBased TaxPercent  TaxLineDetailEx"),
        TaxRateRef=REF,
    ),
    "TxnTaxDetail": _type("TotalTax", DefaultTaxCodeRef=REF, TxnTaxCodeRef=REF, TaxLine="Line"),
    "PaymentLine": _type("Amount LineEx", LinkedTxn="LinkedTxn"),
    "TaxRateList": _type("", TaxRateDetail="TaxRateDetail"),
    "TaxRateDetail": _type("TaxTypeApplicable TaxOrder TaxOnTaxOrder", TaxRateRef=REF),
    "Customer": {
        **ENTITY_BASE,
        **CONTACT_INFO,
        **_type(
            (
                "CompanyName FullyQualifiedName Taxable ContactName AltContactName Job BillWithParent Level  "
                "CCDetail Balance OpenBalanceDate BalanceWithJobs CreditLimit AcctNum OverDueBalance  "
                "TotalRevenue TotalExpense PreferredDeliveryMethod ResaleNum JobInfo TDSEnabled CustomerEx  "
                "SecondaryTaxIdentifier PrimaryTaxIdentifier TaxExemptionReasonId IsProject BusinessNumber  "
                "GSTIN GSTRegistrationType IsCISContractor ClientCompanyId ClientEntityId TaxRegime"
            ),
            BillAddr="PhysicalAddress",
            ShipAddr="PhysicalAddress",
            OtherAddr="PhysicalAddress",
            RootRef=REF,
            ParentRef=REF,
            CustomerTypeRef=REF,
            SalesTermRef=REF,
            SalesRepRef=REF,
            PaymentMethodRef=REF,
            PriceLevelRef=REF,
            CurrencyRef=REF,
            ARAccountRef=REF,
            DefaultTaxCodeRef=REF,
        ),
    },
    "Vendor": {
        **ENTITY_BASE,
        **CONTACT_INFO,
        **_type(
            (
                "CompanyName ContactName AltContactName TaxCountry TaxIdentifier BusinessNumber Balance  "
                "OpenBalanceDate CreditLimit AcctNum Vendor1099 T4AEligible T5018Eligible TaxReportingBasis  "
                "BillRate CostRate VendorEx GSTIN GSTRegistrationType HasTPAR IsSubContractor  "
                "VendorPaymentBankDetail"
            ),
            BillAddr="PhysicalAddress",
            ShipAddr="PhysicalAddress",
            OtherAddr="PhysicalAddress",
            ParentRef=REF,
            VendorTypeRef=REF,
            TermRef=REF,
            PrefillAccountRef=REF,
            CurrencyRef=REF,
            APAccountRef=REF,
        ),
    },
    "Employee": {
        **ENTITY_BASE,
        **CONTACT_INFO,
        **_type(
            (
                "Organization EmployeeType EmployeeNumber SSN BillableTime BillRate CostRate BirthDate  "
                "Gender HiredDate ReleasedDate UseTimeEntry EmployeeEx"
            ),
            PrimaryAddr="PhysicalAddress",
            OtherAddr="PhysicalAddress",
        ),
    },
    "Item": {
        **ENTITY_BASE,
        **_type(
            (
                "Name Sku Description Active SubItem Level FullyQualifiedName Taxable SalesTaxIncluded  "
                "PercentBased UnitPrice RatePercent Type PurchaseDesc PurchaseTaxIncluded PurchaseCost  "
                "AvgCost TrackQtyOnHand QtyOnHand QtyOnPurchaseOrder QtyOnSalesOrder ReorderPoint  "
                "ManPartNum InvStartDate Source ItemCategoryType ItemEx ServiceType AbatementRate  "
                "ReverseChargeRate"
            ),
            ParentRef=REF,
            PaymentMethodRef=REF,
            UOMSetRef=REF,
            IncomeAccountRef=REF,
            ExpenseAccountRef=REF,
            COGSAccountRef=REF,
            AssetAccountRef=REF,
            PrefVendorRef=REF,
            SalesTaxCodeRef=REF,
            PurchaseTaxCodeRef=REF,
            ClassRef=REF,
            TaxClassificationRef=REF,
        ),
    },
    "Account": {
        **ENTITY_BASE,
        **_type(
            (
                "Name SubAccount Description FullyQualifiedName AccountAlias TxnLocationType Active  "
                "Classification AccountType AccountSubType AcctNum BankNum OpeningBalance  "
                "OpeningBalanceDate CurrentBalance CurrentBalanceWithSubAccounts TaxAccount  "
                "OnlineBankingEnabled AccountEx"
            ),
            ParentRef=REF,
            CurrencyRef=REF,
            TaxCodeRef=REF,
        ),
    },
    "Invoice": {
        **ENTITY_BASE,
        **SALES_TRANSACTION,
        **_type(
            "Deposit AllowIPNPayment AllowOnlinePayment AllowOnlineCreditCardPayment  "
            "AllowOnlineACHPayment InvoiceLink EInvoiceStatus InvoiceEx"
        ),
    },
    "CreditMemo": {**ENTITY_BASE, **SALES_TRANSACTION, **_type("RemainingCredit CreditMemoEx", InvoiceRef=REF)},
    "Payment": {
        **ENTITY_BASE,
        **TRANSACTION,
        **_type(
            "PaymentRefNum CreditCardPayment UnappliedAmt ProcessPayment PaymentEx",
            Line="PaymentLine",
            CustomerRef=REF,
            RemitToRef=REF,
            ARAccountRef=REF,
            DepositToAccountRef=REF,
            PaymentMethodRef=REF,
        ),
    },
    "TaxCode": {
        **ENTITY_BASE,
        **_type(
            "Name Description Active Hidden Taxable TaxGroup TaxCodeConfigType",
            SalesTaxRateList="TaxRateList",
            PurchaseTaxRateList="TaxRateList",
            AdjustmentTaxRateList="TaxRateList",
        ),
    },
    "TaxRate": {
        **ENTITY_BASE,
        **_type(
            "Name Description Active RateValue SpecialTaxType DisplayType EffectiveTaxRate",
            AgencyRef=REF,
            TaxReturnLineRef=REF,
        ),
    },
    "CompanyInfo": {
        **ENTITY_BASE,
        **_type(
            (
                "CompanyName LegalName CompanyStartDate EmployerId FiscalYearStartMonth TaxYearStartMonth  "
                "Country SupportedLanguages DefaultTimeZone NameValue"
            ),
            CompanyAddr="PhysicalAddress",
            CustomerCommunicationAddr="PhysicalAddress",
            LegalAddr="PhysicalAddress",
            CustomerCommunicationEmailAddr="EmailAddress",
            PrimaryPhone="TelephoneNumber",
            Email="EmailAddress",
            WebAddr="WebSiteAddress",
        ),
    },
}
# String limits from Intuit's API reference (IQ:api/accounting/all-entities/customer, /vendor,
# /employee, /item, /invoice): over the limit is 2050, element naming the field, as in the
# recorded refusal "Min:0 Max:21 supported. Supplied length:45" for a DocNumber.
ADDRESS_LIMITS = {"Line1": 500, "Line2": 500, "Line3": 500, "Line4": 500, "Line5": 500, "City": 255}
ADDRESS_LIMITS |= {"Country": 255, "CountrySubDivisionCode": 255, "PostalCode": 30}


def _address_limits(*fields: str) -> dict[tuple[str, ...], int]:
    return {(field, part): limit for field in fields for part, limit in ADDRESS_LIMITS.items()}


NAME_LIMITS: dict[tuple[str, ...], int] = {
    ("DisplayName",): 500,
    ("Title",): 16,
    ("GivenName",): 100,
    ("MiddleName",): 100,
    ("FamilyName",): 100,
    ("Suffix",): 16,
    ("CompanyName",): 100,
    ("PrintOnCheckName",): 110,
    ("PrimaryEmailAddr", "Address"): 100,
}
DOCUMENT_LIMITS: dict[tuple[str, ...], int] = {
    ("DocNumber",): 21,
    ("PrivateNote",): 4000,
    ("CustomerMemo", "value"): 1000,
    ("Line", "Description"): 4000,
}
STRING_LIMITS: dict[str, dict[tuple[str, ...], int]] = {
    "Customer": {**NAME_LIMITS, ("Notes",): 2000, **_address_limits("BillAddr", "ShipAddr")},
    "Vendor": {**NAME_LIMITS, **_address_limits("BillAddr")},
    "Employee": {**NAME_LIMITS, **_address_limits("PrimaryAddr")},
    "Item": {("Name",): 100, ("Sku",): 100, ("Description",): 4000, ("PurchaseDesc",): 1000},
    "Account": {("Name",): 100, ("Description",): 100},
    "Invoice": {**DOCUMENT_LIMITS, **_address_limits("BillAddr", "ShipAddr")},
    "CreditMemo": {**DOCUMENT_LIMITS, **_address_limits("BillAddr", "ShipAddr")},
    "Payment": {("PaymentRefNum",): 21, ("PrivateNote",): 4000},
}


def check_known_properties(type_name: str, value: Any) -> None:
    """Refuse the first property its type lacks, walking nested objects and lists of them."""
    if isinstance(value, list):
        for item in value:
            check_known_properties(type_name, item)
        return
    if not isinstance(value, dict):
        return
    known = PROPERTIES[type_name]
    for key, child in value.items():
        if key not in known:
            raise errors.unrecognized_field(key, type_name)
        child_type = known[key]
        if child_type is not None:
            check_known_properties(child_type, child)


def has_property(entity: str, path: str) -> bool:
    """Whether a query may name `path` (`DisplayName`, `MetaData.LastUpdatedTime`) on `entity`."""
    type_name: str | None = entity
    for part in path.split("."):
        if type_name is None:
            return True  # below a scalar or an internal holder nothing is known to refuse
        known = {key.lower(): child for key, child in PROPERTIES[type_name].items()}
        if part.lower() not in known:
            return False
        type_name = known[part.lower()]
    return True


def check_string_limits(entity: str, body: dict[str, Any]) -> None:
    for path, limit in STRING_LIMITS.get(entity, {}).items():
        for text in _values_at(body, path):
            if isinstance(text, str) and len(text) > limit:
                raise errors.string_too_long(".".join(path), limit, len(text))


def _values_at(value: Any, path: tuple[str, ...]) -> list[Any]:
    if isinstance(value, list):
        return [found for item in value for found in _values_at(item, path)]
    if not path:
        return [value]
    if not isinstance(value, dict) or path[0] not in value:
        return []
    return _values_at(value[path[0]], path[1:])
