"""The seven templates: their data tables and how catalog parameters map to columns.

No KPI list lives here: each template names catalog categories (and a few cross-category
entries in ``also``); its KPIs are the entries its vocabulary can feed
(:func:`kpi_xl.templates.formulas.select_kpis`). Keys of a vocabulary are parameter names,
or ``"<kpi id>.<parameter>"`` where one name means different columns for different KPIs.
"""

from __future__ import annotations

from kpi_xl.templates import sampledata
from kpi_xl.templates.spec import (
    Breakdown,
    Col,
    Column,
    Const,
    DataTable,
    Elapsed,
    Of,
    Ratio,
    TemplateSpec,
)

__all__ = ["TEMPLATES", "get_template"]

DATE = Column("Date", "date", "Date of the record (keep the table sorted by date).", width=12)
MONTH = Column("Date", "date", "First day of the month the row covers (keep rows sorted by date).",
               width=12)


def _count(name: str, help: str, width: float = 12) -> Column:
    return Column(name, "count", help, width=width)


def _amount(name: str, help: str, width: float = 14) -> Column:
    return Column(name, "amount", help, width=width)


def _flag(name: str, help: str) -> Column:
    return Column(name, "flag", help, low=0, high=1, width=11)


# --- service --------------------------------------------------------------------------

SURVEY = DataTable("Survey", "One row per survey response (NPS, CSAT and effort questions).", (
    DATE,
    Column("Channel", "choice", "Where the customer was surveyed.", choices=("Email", "Chat", "Phone")),
    Column("NPS score", "score", "0-10: how likely to recommend us? Whole numbers only.", 0, 10, width=11),
    Column("CSAT score", "score", "1-5 satisfaction; leave blank if not answered.", 1, 5, width=11),
    Column("CES score", "score", "1-7: 'the company made it easy to handle my issue'.", 1, 7, width=11),
), rows_per_month=150)
TICKETS = DataTable("Tickets", "One row per support ticket created.", (
    DATE,
    Column("Ticket", "text", "Ticket reference.", width=11),
    Column("Priority", "choice", "Ticket priority.", choices=("Low", "Normal", "High", "Urgent"), width=10),
    _flag("Received", "1 for every ticket received (0 for merged duplicates)."),
    _flag("Resolved", "1 if the ticket was resolved."),
    _flag("First contact", "1 if resolved in the first interaction."),
    _flag("SLA met", "1 if resolved within its SLA."),
    _flag("SLA breached closed", "1 if resolved after its SLA."),
    _flag("SLA breached open", "1 if still open and already past its SLA."),
    Column("First response (h)", "hours", "Hours from creation to the first human reply.", width=12),
    Column("Resolution (h)", "hours", "Hours to resolve; blank while unresolved.", width=12),
), rows_per_month=420)

SERVICE = TemplateSpec(
    name="service", title="Customer service KPIs",
    purpose="Track customer service quality and speed: loyalty (NPS), satisfaction (CSAT), "
            "effort, first response and resolution times, first-contact resolution and SLAs.",
    tables=(SURVEY, TICKETS), categories=("service", "it"), owner="Head of Customer Service",
    vocabulary={
        "nps.scores": Col("Survey", "NPS score"),
        "csat.responses": Col("Survey", "CSAT score"),
        "csat_mean.responses": Col("Survey", "CSAT score"),
        "customer_effort_score.responses": Col("Survey", "CES score"),
        "resolved": Col("Tickets", "Resolved"), "received": Col("Tickets", "Received"),
        "resolved_first_contact": Col("Tickets", "First contact"),
        "first_contact_resolution.denominator": Col("Tickets", "Received"),
        "met": Col("Tickets", "SLA met"), "breached_closed": Col("Tickets", "SLA breached closed"),
        "breached_open": Col("Tickets", "SLA breached open"),
        "first_response_time.durations": Col("Tickets", "First response (h)"),
        "mttr.durations": Col("Tickets", "Resolution (h)"),
    },
    sample=sampledata.service,
)

# --- marketing ------------------------------------------------------------------------

CAMPAIGNS = DataTable("Campaigns", "One row per channel per month: paid acquisition.", (
    MONTH,
    Column("Channel", "choice", "Acquisition channel.", choices=sampledata.CHANNELS),
    _amount("Spend", "Sales and marketing spend of the channel in the month."),
    _count("Impressions", "Ad impressions."), _count("Clicks", "Ad clicks."),
    _count("Leads", "Leads generated."), _count("Conversions", "Conversions (orders, sign-ups)."),
    _count("New customers", "New paying customers acquired."),
    _amount("Ad revenue", "Revenue attributed to ads."),
    _amount("Attributable revenue", "All sales attributable to marketing."),
), rows_per_month=4, grain="month")
EMAIL = DataTable("Email", "One row per email campaign.", (
    MONTH, Column("Campaign", "text", "Campaign name.", width=18),
    _count("Sent", "Emails sent."), _count("Bounced", "Bounced emails."),
    _count("Unique opens", "Unique opens."), _count("Unique clicks", "Unique clickers."),
), rows_per_month=4, grain="month")
SOCIAL = DataTable("Social", "One row per network per month.", (
    MONTH, Column("Network", "choice", "Social network.", choices=("LinkedIn", "Instagram", "X")),
    _count("Followers", "Followers at month end."),
    _count("Interactions", "Likes + comments + shares."),
    _count("Content views", "Views of published content (distribution)."),
    _count("CTA clicks", "Clicks on calls to action in the content."),
    _count("Posts", "Posts / articles published."),
), rows_per_month=3, grain="month")
CUSTOMERS = DataTable("Customers", "One row per month: the customer base (for LTV).", (
    MONTH, _amount("Revenue", "Revenue from customers in the month."),
    _amount("Gross profit", "Gross profit in the month."),
    _count("Active customers", "Average active customers."),
    _count("Customers at start", "Customers at the start of the month."),
    _count("Customers lost", "Customers lost during the month."),
), rows_per_month=1, grain="month")

MARKETING = TemplateSpec(
    name="marketing", title="Marketing KPIs",
    purpose="Track marketing efficiency and reach: acquisition cost, return on spend, "
            "conversion through the funnel, email and social engagement, content output and "
            "customer lifetime value.",
    tables=(CAMPAIGNS, EMAIL, SOCIAL, CUSTOMERS), categories=("marketing",),
    labels={"content_per_period": "Posts per month (all networks)"},
    also=("ltv_gross_margin", "ltv_to_cac"), owner="Head of Marketing",
    vocabulary={
        "clicks": Col("Campaigns", "Clicks"), "impressions": Col("Campaigns", "Impressions"),
        "sales_and_marketing_spend": Col("Campaigns", "Spend"),
        "new_customers": Col("Campaigns", "New customers"),
        "cpa.cost": Col("Campaigns", "Spend"), "acquisitions": Col("Campaigns", "Conversions"),
        "cost_per_lead.spend": Col("Campaigns", "Spend"), "leads": Col("Campaigns", "Leads"),
        "attributable_revenue": Col("Campaigns", "Attributable revenue"),
        "marketing_cost": Col("Campaigns", "Spend"),
        "ad_revenue": Col("Campaigns", "Ad revenue"), "ad_spend": Col("Campaigns", "Spend"),
        "conversion_rate.conversions": Col("Campaigns", "Conversions"),
        "conversion_rate.opportunities": Col("Campaigns", "Clicks"),
        "lead_to_customer_rate.new_customers": Col("Campaigns", "New customers"),
        "unique_clicks": Col("Email", "Unique clicks"), "sent": Col("Email", "Sent"),
        "bounced": Col("Email", "Bounced"),
        "social_engagement_rate.interactions": Col("Social", "Interactions"),
        "social_engagement_rate.base": Col("Social", "Followers"),
        "cta_conversion_rate.interactions": Col("Social", "CTA clicks"),
        "total_content_distribution": Col("Social", "Content views"),
        "content_per_period.count_or_dates": Col("Social", "Posts"),  # count form: posts / 1 month
        "content_per_period.periods_or_start": Const(1),
        "ltv_gross_margin.arpu": Ratio(Col("Customers", "Revenue"), Col("Customers", "Active customers")),
        "ltv_gross_margin.gross_margin": Ratio(Col("Customers", "Gross profit"), Col("Customers", "Revenue")),
        "ltv_gross_margin.churn_rate": Ratio(Col("Customers", "Customers lost"),
                                             Col("Customers", "Customers at start")),
        "ltv_to_cac.ltv": Of("ltv_gross_margin"), "ltv_to_cac.cac": Of("cac"),
    },
    sample=sampledata.marketing,
)

# --- sales ----------------------------------------------------------------------------

REPS = DataTable("Reps", "One row per sales rep per month: activity, pipeline and quota.", (
    MONTH, Column("Rep", "text", "Sales rep.", width=10),
    Column("Region", "choice", "Rep's region.", choices=sampledata.REGIONS, width=10),
    Column("FTE", "number", "Full-time equivalent in the month (1 = full time).", 0, 1, width=8),
    _count("Calls", "Calls made."), _count("Emails", "Sales emails sent."),
    _count("Leads", "Leads worked."), _count("New customers", "Leads that became customers."),
    _count("Won", "Opportunities won."), _count("Lost", "Opportunities lost."),
    _count("Open", "Opportunities still open."),
    _amount("Quota", "Sales quota for the month."), _amount("Sales", "Sales booked."),
), rows_per_month=8, grain="month")
REGIONS_T = DataTable("Regions", "One row per region per month: orders and revenue.", (
    MONTH, Column("Region", "choice", "Sales region.", choices=sampledata.REGIONS, width=10),
    _amount("Revenue", "Net revenue (excl. tax and shipping)."), _count("Orders", "Orders."),
    _count("Unique customers", "Distinct customers who ordered."),
), rows_per_month=4, grain="month")

SALES = TemplateSpec(
    name="sales", title="Sales KPIs",
    purpose="Track sales growth, activity and effectiveness: monthly growth, calls and "
            "emails per rep, lead conversion, win rate, order value, quota attainment and "
            "sales by region.",
    tables=(REPS, REGIONS_T), categories=("sales",), owner="Head of Sales",
    breakdowns=(Breakdown("Sales by region", kpi="sales_by_region", table="Regions",
                          group="Region", value="Revenue", name="sales_by_region"),),
    labels={"sales_activity_per_rep": "Sales activity per rep (calls + emails)"},
    vocabulary={
        "this_month_sales": Col("Regions", "Revenue"),
        "last_month_sales": Col("Regions", "Revenue", "prior"),
        "new_customers": Col("Reps", "New customers"), "leads": Col("Reps", "Leads"),
        "won": Col("Reps", "Won"), "lost": Col("Reps", "Lost"), "open": Col("Reps", "Open"),
        "actual_sales": Col("Reps", "Sales"), "quota": Col("Reps", "Quota"),
        "calls": Col("Reps", "Calls"), "emails": Col("Reps", "Emails"),
        "sales_activity_per_rep.reps": Col("Reps", "FTE", agg="sum"),
        "sales_activity_per_rep.months": Const(1),
        "average_purchase_value.revenue": Col("Regions", "Revenue"),
        "orders": Col("Regions", "Orders"), "unique_customers": Col("Regions", "Unique customers"),
    },
    sample=sampledata.sales,
)

# --- website --------------------------------------------------------------------------

TRAFFIC = DataTable("Traffic", "One row per day: sessions by source, engagement and sales.", (
    DATE, _count("Sessions", "All sessions."),
    _count("Organic", "Sessions from organic search.", 10), _count("Paid", "Sessions from paid ads.", 10),
    _count("Social", "Sessions from social networks.", 10),
    _count("Referral", "Sessions from other sites.", 10), _count("Direct", "Direct sessions.", 10),
    _count("Engaged sessions", "GA4 engaged sessions (>10 s, a key event or 2+ pages)."),
    _count("Pageviews", "Page views."), _count("Transactions", "E-commerce transactions."),
    _amount("Revenue", "E-commerce revenue."),
), rows_per_month=30)

WEBSITE = TemplateSpec(
    name="website", title="Website KPIs",
    purpose="Track website reach and quality: traffic, traffic sources, pages per session, "
            "bounce rate and e-commerce conversion.",
    tables=(TRAFFIC,), categories=("website",), owner="Head of Digital",
    vocabulary={
        "sessions": Col("Traffic", "Sessions"), "part": Col("Traffic", "Organic"),
        "total": Col("Traffic", "Sessions"),
        "engaged_or_bounced": Col("Traffic", "Engaged sessions"),
        "pageviews": Col("Traffic", "Pageviews"), "transactions": Col("Traffic", "Transactions"),
    },
    sample=sampledata.website,
)

# --- finance --------------------------------------------------------------------------

FINANCE_T = DataTable("Finance", "One row per month: P&L, balance sheet and operations figures.", (
    MONTH, _amount("Revenue", "Net revenue."), _amount("COGS", "Cost of goods sold."),
    Column("Net income", "signed_amount", "Net income (may be negative).", width=14),
    _amount("Total assets", "Total assets at month end."),
    _amount("Market sales", "Total market sales, same basis as Revenue."),
    _amount("Investment cost", "Cost of the month's investments."),
    _amount("Investment return", "Total value returned by them, cost included."),
    _amount("Acquisition spend", "Campaign cost for acquisitions."),
    _count("Acquisitions", "Acquisitions (orders) from campaigns."),
    _amount("Shipping cost", "Total shipping cost."), _count("Orders", "Orders shipped."),
), rows_per_month=1, grain="month")
INVENTORY = DataTable("Inventory", "One row per warehouse per month-end count.", (
    MONTH, Column("Warehouse", "text", "Warehouse.", width=11),
    _amount("Book inventory", "Recorded inventory value."),
    _amount("Physical inventory", "Counted inventory value."),
), rows_per_month=3, grain="month")

FINANCE = TemplateSpec(
    name="finance", title="Finance KPIs",
    purpose="Track profitability, growth and efficiency: ROI, revenue growth, compound growth, "
            "market share, margins, ROA, cost per acquisition, shipping cost and inventory.",
    tables=(FINANCE_T, INVENTORY), categories=("finance", "strategic", "operations"),
    also=("cpa",), owner="CFO",
    vocabulary={
        "roi.gain": Col("Finance", "Investment return"), "roi.cost": Col("Finance", "Investment cost"),
        "revenue_growth.current": Col("Finance", "Revenue"),
        "revenue_growth.prior": Col("Finance", "Revenue", "prior"),
        "begin_value": Col("Finance", "Revenue", "first", "sum"),
        "end_value": Col("Finance", "Revenue", "current", "sum"), "periods": Elapsed(),
        "company_sales": Col("Finance", "Revenue"), "total_market_sales": Col("Finance", "Market sales"),
        "revenue": Col("Finance", "Revenue"), "cogs": Col("Finance", "COGS"),
        "net_income": Col("Finance", "Net income"),
        "total_assets_begin": Col("Finance", "Total assets", "prior", "sum"),
        "total_assets_end": Col("Finance", "Total assets", "current", "sum"),
        "cpa.cost": Col("Finance", "Acquisition spend"), "acquisitions": Col("Finance", "Acquisitions"),
        "monthly_costs": Col("Finance", "Shipping cost"), "total_cost": Col("Finance", "Shipping cost"),
        "orders": Col("Finance", "Orders"),
        "book_inventory": Col("Inventory", "Book inventory"),
        "physical_inventory": Col("Inventory", "Physical inventory"),
        "inventory_begin": Col("Inventory", "Physical inventory", "prior", "sum"),
        "inventory_end": Col("Inventory", "Physical inventory", "current", "sum"),
    },
    sample=sampledata.finance,
)

# --- saas -----------------------------------------------------------------------------

SUBSCRIPTIONS = DataTable("Subscriptions", "One row per active subscription per month.", (
    MONTH, Column("Customer", "text", "Customer account.", width=11),
    Column("Plan", "choice", "Plan name.", choices=tuple(sampledata.PLANS), width=18),
    _amount("Amount", "Plan price per billing period (after active discounts)."),
    Column("Billing months", "count", "Months per billing period (1, 3, 12).", 1, 36, width=10),
    _count("Quantity", "Seats / units."),
), rows_per_month=200, grain="month")
METRICS = DataTable("Metrics", "One row per month: customers, MRR movements and spend.", (
    MONTH, _amount("Revenue", "Recurring revenue in the month."),
    _amount("Gross profit", "Gross profit on that revenue."),
    _count("Active customers", "Customers active in the month."),
    _count("Customers at start", "Customers at the start of the month."),
    _count("New customers", "Customers won in the month."),
    _count("Customers lost", "Customers lost (from the starting cohort)."),
    _count("Customers at end", "Customers at the end of the month."),
    _amount("Starting MRR", "MRR at the start of the month."),
    _amount("Expansion MRR", "Upgrades of existing customers."),
    _amount("Contraction MRR", "Downgrades of existing customers."),
    _amount("Churned MRR", "MRR of customers lost."),
    _amount("S&M spend", "Sales and marketing spend."),
), rows_per_month=1, grain="month")

SAAS = TemplateSpec(
    name="saas", title="SaaS KPIs",
    purpose="Track subscription health: MRR and ARR, growth, churn and retention, net revenue "
            "retention, ARPU, lifetime value and CAC payback.",
    tables=(SUBSCRIPTIONS, METRICS), categories=("saas", "customer"),
    also=("cac", "ltv_gross_margin", "ltv_revenue", "ltv_to_cac", "cac_payback"),
    owner="VP Revenue",
    vocabulary={
        "amounts": Col("Subscriptions", "Amount"),
        "billing_period_months": Col("Subscriptions", "Billing months"),
        "quantities": Col("Subscriptions", "Quantity"),
        "arr.mrr": Of("mrr"), "mrr_now": Of("mrr"), "mrr_prior": Of("mrr", "prior"),
        "arpu.revenue": Col("Metrics", "Revenue"), "active_users": Col("Metrics", "Active customers"),
        "customers_lost": Col("Metrics", "Customers lost"),
        "customers_at_start": Col("Metrics", "Customers at start"),
        "customers_start": Col("Metrics", "Customers at start"),
        "customers_end": Col("Metrics", "Customers at end"),
        "new_customers": Col("Metrics", "New customers"),
        "starting_mrr": Col("Metrics", "Starting MRR"), "expansion_mrr": Col("Metrics", "Expansion MRR"),
        "contraction_mrr": Col("Metrics", "Contraction MRR"), "churned_mrr": Col("Metrics", "Churned MRR"),
        "sales_and_marketing_spend": Col("Metrics", "S&M spend"),
        "periodic_churn": Of("customer_churn_rate"),
        "arpu": Of("arpu"), "churn_rate": Of("customer_churn_rate"),
        "gross_margin": Ratio(Col("Metrics", "Gross profit"), Col("Metrics", "Revenue")),
        "ltv": Of("ltv_gross_margin"), "cac": Of("cac"),
    },
    sample=sampledata.saas,
)

# --- scorecard ------------------------------------------------------------------------

SCORECARD = TemplateSpec(
    name="scorecard", title="KPI scorecard",
    purpose="A register for any KPI you define -- name, owner, level, leading/lagging, "
            "direction, unit, baseline, target, due date and monthly actuals -- with "
            "attainment, progress from baseline, status and trend computed for you.",
    tables=(), owner="KPI owner", scorecard=True,
)

TEMPLATES: dict[str, TemplateSpec] = {t.name: t for t in (
    MARKETING, SALES, SERVICE, WEBSITE, FINANCE, SAAS, SCORECARD)}


def get_template(name: str) -> TemplateSpec:
    key = name.strip().lower()
    if key not in TEMPLATES:
        raise KeyError(f"unknown template {name!r}; choose one of {', '.join(TEMPLATES)}")
    return TEMPLATES[key]
