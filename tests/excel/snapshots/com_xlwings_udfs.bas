Function KPI_ACTIVITY_PER_REP(calls, emails, reps, months)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_ACTIVITY_PER_REP = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_ACTIVITY_PER_REP", Array(calls, emails, reps, months), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_ACTIVITY_PER_REP = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_ACTIVITY_PER_REP", Array(calls, emails, reps, months))
        Exit Function
    #End If
failed:
    KPI_ACTIVITY_PER_REP = Err.Description
End Function

Function KPI_AOV(revenue, orders)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_AOV = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_AOV", Array(revenue, orders), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_AOV = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_AOV", Array(revenue, orders))
        Exit Function
    #End If
failed:
    KPI_AOV = Err.Description
End Function

Function KPI_ARPU(revenue, active_users)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_ARPU = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_ARPU", Array(revenue, active_users), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_ARPU = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_ARPU", Array(revenue, active_users))
        Exit Function
    #End If
failed:
    KPI_ARPU = Err.Description
End Function

Function KPI_ARR(mrr)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_ARR = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_ARR", Array(mrr), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_ARR = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_ARR", Array(mrr))
        Exit Function
    #End If
failed:
    KPI_ARR = Err.Description
End Function

Function KPI_ATTAINMENT(actual, target, Optional direction)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_ATTAINMENT = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_ATTAINMENT", Array(actual, target, direction), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_ATTAINMENT = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_ATTAINMENT", Array(actual, target, direction))
        Exit Function
    #End If
failed:
    KPI_ATTAINMENT = Err.Description
End Function

Function KPI_AVG_SHIPPING_COST(monthly_costs)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_AVG_SHIPPING_COST = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_AVG_SHIPPING_COST", Array(monthly_costs), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_AVG_SHIPPING_COST = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_AVG_SHIPPING_COST", Array(monthly_costs))
        Exit Function
    #End If
failed:
    KPI_AVG_SHIPPING_COST = Err.Description
End Function

Function KPI_BOUNCE_RATE(sessions, engaged_or_bounced, Optional definition)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_BOUNCE_RATE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_BOUNCE_RATE", Array(sessions, engaged_or_bounced, definition), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_BOUNCE_RATE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_BOUNCE_RATE", Array(sessions, engaged_or_bounced, definition))
        Exit Function
    #End If
failed:
    KPI_BOUNCE_RATE = Err.Description
End Function

Function KPI_BUSINESS_HOURS(start, end_, Optional open_, Optional close_, Optional weekend, Optional holidays)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_BUSINESS_HOURS = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_BUSINESS_HOURS", Array(start, end_, open_, close_, weekend, holidays), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_BUSINESS_HOURS = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_BUSINESS_HOURS", Array(start, end_, open_, close_, weekend, holidays))
        Exit Function
    #End If
failed:
    KPI_BUSINESS_HOURS = Err.Description
End Function

Function KPI_CAC(sales_and_marketing_spend, new_customers)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_CAC = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_CAC", Array(sales_and_marketing_spend, new_customers), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_CAC = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_CAC", Array(sales_and_marketing_spend, new_customers))
        Exit Function
    #End If
failed:
    KPI_CAC = Err.Description
End Function

Function KPI_CAC_PAYBACK(cac, arpu, gross_margin)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_CAC_PAYBACK = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_CAC_PAYBACK", Array(cac, arpu, gross_margin), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_CAC_PAYBACK = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_CAC_PAYBACK", Array(cac, arpu, gross_margin))
        Exit Function
    #End If
failed:
    KPI_CAC_PAYBACK = Err.Description
End Function

Function KPI_CAGR(begin_value, end_value, periods)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_CAGR = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_CAGR", Array(begin_value, end_value, periods), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_CAGR = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_CAGR", Array(begin_value, end_value, periods))
        Exit Function
    #End If
failed:
    KPI_CAGR = Err.Description
End Function

Function KPI_CATALOG(Optional category)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_CATALOG = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_CATALOG", Array(category), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_CATALOG = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_CATALOG", Array(category))
        Exit Function
    #End If
failed:
    KPI_CATALOG = Err.Description
End Function

Function KPI_CES(responses, Optional method, Optional scale_max, Optional orientation, Optional invalid)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_CES = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_CES", Array(responses, method, scale_max, orientation, invalid), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_CES = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_CES", Array(responses, method, scale_max, orientation, invalid))
        Exit Function
    #End If
failed:
    KPI_CES = Err.Description
End Function

Function KPI_CHURN_ANNUALIZE(periodic_churn, Optional periods_per_year)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_CHURN_ANNUALIZE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_CHURN_ANNUALIZE", Array(periodic_churn, periods_per_year), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_CHURN_ANNUALIZE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_CHURN_ANNUALIZE", Array(periodic_churn, periods_per_year))
        Exit Function
    #End If
failed:
    KPI_CHURN_ANNUALIZE = Err.Description
End Function

Function KPI_CHURN_DEANNUALIZE(annual_churn, Optional periods_per_year)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_CHURN_DEANNUALIZE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_CHURN_DEANNUALIZE", Array(annual_churn, periods_per_year), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_CHURN_DEANNUALIZE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_CHURN_DEANNUALIZE", Array(annual_churn, periods_per_year))
        Exit Function
    #End If
failed:
    KPI_CHURN_DEANNUALIZE = Err.Description
End Function

Function KPI_CHURN_RATE(customers_lost, customers_at_start)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_CHURN_RATE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_CHURN_RATE", Array(customers_lost, customers_at_start), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_CHURN_RATE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_CHURN_RATE", Array(customers_lost, customers_at_start))
        Exit Function
    #End If
failed:
    KPI_CHURN_RATE = Err.Description
End Function

Function KPI_CONVERSION_RATE(conversions, opportunities, Optional allow_over_1)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_CONVERSION_RATE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_CONVERSION_RATE", Array(conversions, opportunities, allow_over_1), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_CONVERSION_RATE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_CONVERSION_RATE", Array(conversions, opportunities, allow_over_1))
        Exit Function
    #End If
failed:
    KPI_CONVERSION_RATE = Err.Description
End Function

Function KPI_CPA(cost, acquisitions)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_CPA = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_CPA", Array(cost, acquisitions), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_CPA = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_CPA", Array(cost, acquisitions))
        Exit Function
    #End If
failed:
    KPI_CPA = Err.Description
End Function

Function KPI_CPL(spend, leads)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_CPL = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_CPL", Array(spend, leads), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_CPL = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_CPL", Array(spend, leads))
        Exit Function
    #End If
failed:
    KPI_CPL = Err.Description
End Function

Function KPI_CSAT(responses, Optional scale_max, Optional top_boxes, Optional invalid)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_CSAT = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_CSAT", Array(responses, scale_max, top_boxes, invalid), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_CSAT = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_CSAT", Array(responses, scale_max, top_boxes, invalid))
        Exit Function
    #End If
failed:
    KPI_CSAT = Err.Description
End Function

Function KPI_CSAT_COUNTS(satisfied, total)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_CSAT_COUNTS = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_CSAT_COUNTS", Array(satisfied, total), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_CSAT_COUNTS = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_CSAT_COUNTS", Array(satisfied, total))
        Exit Function
    #End If
failed:
    KPI_CSAT_COUNTS = Err.Description
End Function

Function KPI_CSAT_MEAN(responses, Optional scale_min, Optional scale_max)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_CSAT_MEAN = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_CSAT_MEAN", Array(responses, scale_min, scale_max), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_CSAT_MEAN = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_CSAT_MEAN", Array(responses, scale_min, scale_max))
        Exit Function
    #End If
failed:
    KPI_CSAT_MEAN = Err.Description
End Function

Function KPI_CTA_RATE(interactions, total_content_distribution, Optional counting)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_CTA_RATE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_CTA_RATE", Array(interactions, total_content_distribution, counting), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_CTA_RATE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_CTA_RATE", Array(interactions, total_content_distribution, counting))
        Exit Function
    #End If
failed:
    KPI_CTA_RATE = Err.Description
End Function

Function KPI_CTR(clicks, impressions)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_CTR = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_CTR", Array(clicks, impressions), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_CTR = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_CTR", Array(clicks, impressions))
        Exit Function
    #End If
failed:
    KPI_CTR = Err.Description
End Function

Function KPI_CUSTOMER_LIFETIME(churn_rate)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_CUSTOMER_LIFETIME = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_CUSTOMER_LIFETIME", Array(churn_rate), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_CUSTOMER_LIFETIME = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_CUSTOMER_LIFETIME", Array(churn_rate))
        Exit Function
    #End If
failed:
    KPI_CUSTOMER_LIFETIME = Err.Description
End Function

Function KPI_DAYS_INVENTORY(turnover, Optional days_in_period)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_DAYS_INVENTORY = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_DAYS_INVENTORY", Array(turnover, days_in_period), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_DAYS_INVENTORY = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_DAYS_INVENTORY", Array(turnover, days_in_period))
        Exit Function
    #End If
failed:
    KPI_DAYS_INVENTORY = Err.Description
End Function

Function KPI_DELTA(current, prior)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_DELTA = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_DELTA", Array(current, prior), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_DELTA = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_DELTA", Array(current, prior))
        Exit Function
    #End If
failed:
    KPI_DELTA = Err.Description
End Function

Function KPI_EMAIL_CTR(unique_clicks, sent, Optional bounced, Optional basis)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_EMAIL_CTR = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_EMAIL_CTR", Array(unique_clicks, sent, bounced, basis), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_EMAIL_CTR = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_EMAIL_CTR", Array(unique_clicks, sent, bounced, basis))
        Exit Function
    #End If
failed:
    KPI_EMAIL_CTR = Err.Description
End Function

Function KPI_ENGAGEMENT_RATE(interactions, base_, Optional base_type)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_ENGAGEMENT_RATE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_ENGAGEMENT_RATE", Array(interactions, base_, base_type), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_ENGAGEMENT_RATE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_ENGAGEMENT_RATE", Array(interactions, base_, base_type))
        Exit Function
    #End If
failed:
    KPI_ENGAGEMENT_RATE = Err.Description
End Function

Function KPI_EXPECTED_PROGRESS(elapsed_days, total_days)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_EXPECTED_PROGRESS = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_EXPECTED_PROGRESS", Array(elapsed_days, total_days), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_EXPECTED_PROGRESS = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_EXPECTED_PROGRESS", Array(elapsed_days, total_days))
        Exit Function
    #End If
failed:
    KPI_EXPECTED_PROGRESS = Err.Description
End Function

Function KPI_FCR(resolved_first_contact, denominator, Optional basis)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_FCR = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_FCR", Array(resolved_first_contact, denominator, basis), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_FCR = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_FCR", Array(resolved_first_contact, denominator, basis))
        Exit Function
    #End If
failed:
    KPI_FCR = Err.Description
End Function

Function KPI_FRT(durations, Optional stat, Optional unit)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_FRT = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_FRT", Array(durations, stat, unit), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_FRT = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_FRT", Array(durations, stat, unit))
        Exit Function
    #End If
failed:
    KPI_FRT = Err.Description
End Function

Function KPI_FRT_FROM_TIMES(created_range, first_reply_range, Optional stat, Optional unit, Optional basis, Optional open_, Optional close_, Optional weekend, Optional holidays)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_FRT_FROM_TIMES = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_FRT_FROM_TIMES", Array(created_range, first_reply_range, stat, unit, basis, open_, close_, weekend, holidays), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_FRT_FROM_TIMES = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_FRT_FROM_TIMES", Array(created_range, first_reply_range, stat, unit, basis, open_, close_, weekend, holidays))
        Exit Function
    #End If
failed:
    KPI_FRT_FROM_TIMES = Err.Description
End Function

Function KPI_GROSS_MARGIN(revenue, cogs)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_GROSS_MARGIN = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_GROSS_MARGIN", Array(revenue, cogs), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_GROSS_MARGIN = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_GROSS_MARGIN", Array(revenue, cogs))
        Exit Function
    #End If
failed:
    KPI_GROSS_MARGIN = Err.Description
End Function

Function KPI_GROSS_MRR_CHURN(churned_mrr, contraction_mrr, starting_mrr)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_GROSS_MRR_CHURN = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_GROSS_MRR_CHURN", Array(churned_mrr, contraction_mrr, starting_mrr), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_GROSS_MRR_CHURN = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_GROSS_MRR_CHURN", Array(churned_mrr, contraction_mrr, starting_mrr))
        Exit Function
    #End If
failed:
    KPI_GROSS_MRR_CHURN = Err.Description
End Function

Function KPI_GROWTH(current, prior)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_GROWTH = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_GROWTH", Array(current, prior), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_GROWTH = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_GROWTH", Array(current, prior))
        Exit Function
    #End If
failed:
    KPI_GROWTH = Err.Description
End Function

Function KPI_INVENTORY_TURNOVER(cogs, inventory_begin, Optional inventory_end)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_INVENTORY_TURNOVER = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_INVENTORY_TURNOVER", Array(cogs, inventory_begin, inventory_end), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_INVENTORY_TURNOVER = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_INVENTORY_TURNOVER", Array(cogs, inventory_begin, inventory_end))
        Exit Function
    #End If
failed:
    KPI_INVENTORY_TURNOVER = Err.Description
End Function

Function KPI_LEAD_CONVERSION(new_customers, leads)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_LEAD_CONVERSION = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_LEAD_CONVERSION", Array(new_customers, leads), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_LEAD_CONVERSION = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_LEAD_CONVERSION", Array(new_customers, leads))
        Exit Function
    #End If
failed:
    KPI_LEAD_CONVERSION = Err.Description
End Function

Function KPI_LTV(arpu, gross_margin, churn_rate)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_LTV = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_LTV", Array(arpu, gross_margin, churn_rate), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_LTV = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_LTV", Array(arpu, gross_margin, churn_rate))
        Exit Function
    #End If
failed:
    KPI_LTV = Err.Description
End Function

Function KPI_LTV_AOV(aov, purchase_frequency, lifespan, Optional gross_margin)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_LTV_AOV = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_LTV_AOV", Array(aov, purchase_frequency, lifespan, gross_margin), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_LTV_AOV = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_LTV_AOV", Array(aov, purchase_frequency, lifespan, gross_margin))
        Exit Function
    #End If
failed:
    KPI_LTV_AOV = Err.Description
End Function

Function KPI_LTV_CAC(ltv, cac)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_LTV_CAC = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_LTV_CAC", Array(ltv, cac), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_LTV_CAC = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_LTV_CAC", Array(ltv, cac))
        Exit Function
    #End If
failed:
    KPI_LTV_CAC = Err.Description
End Function

Function KPI_LTV_REVENUE(arpu, churn_rate)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_LTV_REVENUE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_LTV_REVENUE", Array(arpu, churn_rate), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_LTV_REVENUE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_LTV_REVENUE", Array(arpu, churn_rate))
        Exit Function
    #End If
failed:
    KPI_LTV_REVENUE = Err.Description
End Function

Function KPI_MARKETING_ROI(attributable_revenue, marketing_cost, Optional basis)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_MARKETING_ROI = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_MARKETING_ROI", Array(attributable_revenue, marketing_cost, basis), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_MARKETING_ROI = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_MARKETING_ROI", Array(attributable_revenue, marketing_cost, basis))
        Exit Function
    #End If
failed:
    KPI_MARKETING_ROI = Err.Description
End Function

Function KPI_MARKET_SHARE(company_sales, total_market_sales)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_MARKET_SHARE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_MARKET_SHARE", Array(company_sales, total_market_sales), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_MARKET_SHARE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_MARKET_SHARE", Array(company_sales, total_market_sales))
        Exit Function
    #End If
failed:
    KPI_MARKET_SHARE = Err.Description
End Function

Function KPI_MRR(amounts, billing_period_months, Optional quantities, Optional currencies)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_MRR = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_MRR", Array(amounts, billing_period_months, quantities, currencies), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_MRR = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_MRR", Array(amounts, billing_period_months, quantities, currencies))
        Exit Function
    #End If
failed:
    KPI_MRR = Err.Description
End Function

Function KPI_MRR_GROWTH(mrr_now, mrr_prior)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_MRR_GROWTH = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_MRR_GROWTH", Array(mrr_now, mrr_prior), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_MRR_GROWTH = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_MRR_GROWTH", Array(mrr_now, mrr_prior))
        Exit Function
    #End If
failed:
    KPI_MRR_GROWTH = Err.Description
End Function

Function KPI_MTTR(Optional durations, Optional start_range, Optional end_range, Optional basis, Optional unit, Optional open_, Optional close_, Optional weekend, Optional holidays)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_MTTR = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_MTTR", Array(durations, start_range, end_range, basis, unit, open_, close_, weekend, holidays), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_MTTR = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_MTTR", Array(durations, start_range, end_range, basis, unit, open_, close_, weekend, holidays))
        Exit Function
    #End If
failed:
    KPI_MTTR = Err.Description
End Function

Function KPI_NET_MARGIN(net_income, revenue)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_NET_MARGIN = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_NET_MARGIN", Array(net_income, revenue), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_NET_MARGIN = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_NET_MARGIN", Array(net_income, revenue))
        Exit Function
    #End If
failed:
    KPI_NET_MARGIN = Err.Description
End Function

Function KPI_NPS(scores, Optional invalid)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_NPS = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_NPS", Array(scores, invalid), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_NPS = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_NPS", Array(scores, invalid))
        Exit Function
    #End If
failed:
    KPI_NPS = Err.Description
End Function

Function KPI_NPS_COUNTS(promoters, passives, detractors)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_NPS_COUNTS = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_NPS_COUNTS", Array(promoters, passives, detractors), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_NPS_COUNTS = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_NPS_COUNTS", Array(promoters, passives, detractors))
        Exit Function
    #End If
failed:
    KPI_NPS_COUNTS = Err.Description
End Function

Function KPI_NPS_MOE(scores, Optional confidence, Optional invalid)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_NPS_MOE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_NPS_MOE", Array(scores, confidence, invalid), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_NPS_MOE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_NPS_MOE", Array(scores, confidence, invalid))
        Exit Function
    #End If
failed:
    KPI_NPS_MOE = Err.Description
End Function

Function KPI_NRR(starting_mrr, expansion_mrr, contraction_mrr, churned_mrr, Optional variant_)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_NRR = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_NRR", Array(starting_mrr, expansion_mrr, contraction_mrr, churned_mrr, variant_), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_NRR = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_NRR", Array(starting_mrr, expansion_mrr, contraction_mrr, churned_mrr, variant_))
        Exit Function
    #End If
failed:
    KPI_NRR = Err.Description
End Function

Function KPI_PACING(progress, elapsed_days, total_days, Optional pace_tolerance)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_PACING = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_PACING", Array(progress, elapsed_days, total_days, pace_tolerance), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_PACING = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_PACING", Array(progress, elapsed_days, total_days, pace_tolerance))
        Exit Function
    #End If
failed:
    KPI_PACING = Err.Description
End Function

Function KPI_PAGES_PER_SESSION(pageviews, sessions)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_PAGES_PER_SESSION = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_PAGES_PER_SESSION", Array(pageviews, sessions), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_PAGES_PER_SESSION = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_PAGES_PER_SESSION", Array(pageviews, sessions))
        Exit Function
    #End If
failed:
    KPI_PAGES_PER_SESSION = Err.Description
End Function

Function KPI_PER_PERIOD(count_or_dates, periods_or_start, Optional end_, Optional period)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_PER_PERIOD = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_PER_PERIOD", Array(count_or_dates, periods_or_start, end_, period), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_PER_PERIOD = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_PER_PERIOD", Array(count_or_dates, periods_or_start, end_, period))
        Exit Function
    #End If
failed:
    KPI_PER_PERIOD = Err.Description
End Function

Function KPI_PROGRESS(actual, target, baseline)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_PROGRESS = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_PROGRESS", Array(actual, target, baseline), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_PROGRESS = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_PROGRESS", Array(actual, target, baseline))
        Exit Function
    #End If
failed:
    KPI_PROGRESS = Err.Description
End Function

Function KPI_PURCHASE_FREQUENCY(orders, unique_customers)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_PURCHASE_FREQUENCY = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_PURCHASE_FREQUENCY", Array(orders, unique_customers), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_PURCHASE_FREQUENCY = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_PURCHASE_FREQUENCY", Array(orders, unique_customers))
        Exit Function
    #End If
failed:
    KPI_PURCHASE_FREQUENCY = Err.Description
End Function

Function KPI_QUOTA_ATTAINMENT(actual_sales, quota)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_QUOTA_ATTAINMENT = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_QUOTA_ATTAINMENT", Array(actual_sales, quota), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_QUOTA_ATTAINMENT = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_QUOTA_ATTAINMENT", Array(actual_sales, quota))
        Exit Function
    #End If
failed:
    KPI_QUOTA_ATTAINMENT = Err.Description
End Function

Function KPI_RATE_CHANGE_TEST(successes_1, trials_1, successes_2, trials_2, Optional alpha)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_RATE_CHANGE_TEST = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_RATE_CHANGE_TEST", Array(successes_1, trials_1, successes_2, trials_2, alpha), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_RATE_CHANGE_TEST = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_RATE_CHANGE_TEST", Array(successes_1, trials_1, successes_2, trials_2, alpha))
        Exit Function
    #End If
failed:
    KPI_RATE_CHANGE_TEST = Err.Description
End Function

Function KPI_RESOLUTION_RATE(resolved, received)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_RESOLUTION_RATE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_RESOLUTION_RATE", Array(resolved, received), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_RESOLUTION_RATE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_RESOLUTION_RATE", Array(resolved, received))
        Exit Function
    #End If
failed:
    KPI_RESOLUTION_RATE = Err.Description
End Function

Function KPI_RETENTION_RATE(customers_end, new_customers, customers_start)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_RETENTION_RATE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_RETENTION_RATE", Array(customers_end, new_customers, customers_start), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_RETENTION_RATE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_RETENTION_RATE", Array(customers_end, new_customers, customers_start))
        Exit Function
    #End If
failed:
    KPI_RETENTION_RATE = Err.Description
End Function

Function KPI_ROA(net_income, total_assets_begin, Optional total_assets_end)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_ROA = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_ROA", Array(net_income, total_assets_begin, total_assets_end), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_ROA = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_ROA", Array(net_income, total_assets_begin, total_assets_end))
        Exit Function
    #End If
failed:
    KPI_ROA = Err.Description
End Function

Function KPI_ROAS(ad_revenue, ad_spend)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_ROAS = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_ROAS", Array(ad_revenue, ad_spend), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_ROAS = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_ROAS", Array(ad_revenue, ad_spend))
        Exit Function
    #End If
failed:
    KPI_ROAS = Err.Description
End Function

Function KPI_ROI(gain, cost)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_ROI = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_ROI", Array(gain, cost), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_ROI = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_ROI", Array(gain, cost))
        Exit Function
    #End If
failed:
    KPI_ROI = Err.Description
End Function

Function KPI_ROI_NET(net_profit, cost)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_ROI_NET = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_ROI_NET", Array(net_profit, cost), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_ROI_NET = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_ROI_NET", Array(net_profit, cost))
        Exit Function
    #End If
failed:
    KPI_ROI_NET = Err.Description
End Function

Function KPI_SALES_GROWTH(this_month_sales, last_month_sales)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_SALES_GROWTH = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_SALES_GROWTH", Array(this_month_sales, last_month_sales), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_SALES_GROWTH = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_SALES_GROWTH", Array(this_month_sales, last_month_sales))
        Exit Function
    #End If
failed:
    KPI_SALES_GROWTH = Err.Description
End Function

Function KPI_SHARE(part, total)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_SHARE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_SHARE", Array(part, total), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_SHARE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_SHARE", Array(part, total))
        Exit Function
    #End If
failed:
    KPI_SHARE = Err.Description
End Function

Function KPI_SHIPPING_PER_ORDER(total_cost, orders)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_SHIPPING_PER_ORDER = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_SHIPPING_PER_ORDER", Array(total_cost, orders), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_SHIPPING_PER_ORDER = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_SHIPPING_PER_ORDER", Array(total_cost, orders))
        Exit Function
    #End If
failed:
    KPI_SHIPPING_PER_ORDER = Err.Description
End Function

Function KPI_SHRINKAGE_AVG(values)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_SHRINKAGE_AVG = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_SHRINKAGE_AVG", Array(values), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_SHRINKAGE_AVG = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_SHRINKAGE_AVG", Array(values))
        Exit Function
    #End If
failed:
    KPI_SHRINKAGE_AVG = Err.Description
End Function

Function KPI_SHRINKAGE_RATE(book_inventory, physical_inventory, Optional sales, Optional basis)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_SHRINKAGE_RATE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_SHRINKAGE_RATE", Array(book_inventory, physical_inventory, sales, basis), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_SHRINKAGE_RATE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_SHRINKAGE_RATE", Array(book_inventory, physical_inventory, sales, basis))
        Exit Function
    #End If
failed:
    KPI_SHRINKAGE_RATE = Err.Description
End Function

Function KPI_SHRINKAGE_VALUE(book_inventory, physical_inventory)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_SHRINKAGE_VALUE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_SHRINKAGE_VALUE", Array(book_inventory, physical_inventory), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_SHRINKAGE_VALUE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_SHRINKAGE_VALUE", Array(book_inventory, physical_inventory))
        Exit Function
    #End If
failed:
    KPI_SHRINKAGE_VALUE = Err.Description
End Function

Function KPI_SLA_ATTAINMENT(met, breached_closed, Optional breached_open, Optional include_open_breached)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_SLA_ATTAINMENT = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_SLA_ATTAINMENT", Array(met, breached_closed, breached_open, include_open_breached), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_SLA_ATTAINMENT = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_SLA_ATTAINMENT", Array(met, breached_closed, breached_open, include_open_breached))
        Exit Function
    #End If
failed:
    KPI_SLA_ATTAINMENT = Err.Description
End Function

Function KPI_STATUS(actual, target, Optional direction, Optional at_risk_tolerance, Optional on_track_tolerance, Optional tolerance_type, Optional levels, Optional lower, Optional upper, Optional excellent_margin, Optional critical_tolerance)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_STATUS = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_STATUS", Array(actual, target, direction, at_risk_tolerance, on_track_tolerance, tolerance_type, levels, lower, upper, excellent_margin, critical_tolerance), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_STATUS = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_STATUS", Array(actual, target, direction, at_risk_tolerance, on_track_tolerance, tolerance_type, levels, lower, upper, excellent_margin, critical_tolerance))
        Exit Function
    #End If
failed:
    KPI_STATUS = Err.Description
End Function

Function KPI_STATUS_CODE(actual, target, Optional direction, Optional at_risk_tolerance, Optional on_track_tolerance, Optional tolerance_type, Optional levels, Optional lower, Optional upper, Optional excellent_margin, Optional critical_tolerance)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_STATUS_CODE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_STATUS_CODE", Array(actual, target, direction, at_risk_tolerance, on_track_tolerance, tolerance_type, levels, lower, upper, excellent_margin, critical_tolerance), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_STATUS_CODE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_STATUS_CODE", Array(actual, target, direction, at_risk_tolerance, on_track_tolerance, tolerance_type, levels, lower, upper, excellent_margin, critical_tolerance))
        Exit Function
    #End If
failed:
    KPI_STATUS_CODE = Err.Description
End Function

Function KPI_TRAFFIC(sessions)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_TRAFFIC = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_TRAFFIC", Array(sessions), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_TRAFFIC = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_TRAFFIC", Array(sessions))
        Exit Function
    #End If
failed:
    KPI_TRAFFIC = Err.Description
End Function

Function KPI_TREND(current, prior, Optional direction, Optional deadband, Optional output, Optional target)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_TREND = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_TREND", Array(current, prior, direction, deadband, output, target), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_TREND = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_TREND", Array(current, prior, direction, deadband, output, target))
        Exit Function
    #End If
failed:
    KPI_TREND = Err.Description
End Function

Function KPI_TXN_RATE(transactions, sessions)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_TXN_RATE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_TXN_RATE", Array(transactions, sessions), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_TXN_RATE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_TXN_RATE", Array(transactions, sessions))
        Exit Function
    #End If
failed:
    KPI_TXN_RATE = Err.Description
End Function

Function KPI_VARIANCE(actual, target)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_VARIANCE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_VARIANCE", Array(actual, target), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_VARIANCE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_VARIANCE", Array(actual, target))
        Exit Function
    #End If
failed:
    KPI_VARIANCE = Err.Description
End Function

Function KPI_VARIANCE_PCT(actual, target)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_VARIANCE_PCT = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_VARIANCE_PCT", Array(actual, target), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_VARIANCE_PCT = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_VARIANCE_PCT", Array(actual, target))
        Exit Function
    #End If
failed:
    KPI_VARIANCE_PCT = Err.Description
End Function

Function KPI_WILSON_INTERVAL(successes, trials, Optional confidence)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_WILSON_INTERVAL = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_WILSON_INTERVAL", Array(successes, trials, confidence), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_WILSON_INTERVAL = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_WILSON_INTERVAL", Array(successes, trials, confidence))
        Exit Function
    #End If
failed:
    KPI_WILSON_INTERVAL = Err.Description
End Function

Function KPI_WIN_RATE(won, lost, Optional open_, Optional basis)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        KPI_WIN_RATE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_WIN_RATE", Array(won, lost, open_, basis), ThisWorkbook, Application.Caller)
        Exit Function
    #Else
        KPI_WIN_RATE = XLPy.CallUDF("kpi_xl.excel.udfs", "KPI_WIN_RATE", Array(won, lost, open_, basis))
        Exit Function
    #End If
failed:
    KPI_WIN_RATE = Err.Description
End Function

