from __future__ import annotations

from django.contrib import admin

from servicepact.customers.models import Contact, Customer, Site


class SiteInline(admin.TabularInline[Site, Customer]):
    model = Site
    extra = 0


class ContactInline(admin.TabularInline[Contact, Customer]):
    model = Contact
    extra = 0
    fields = ["name", "email", "phone", "site", "user", "receives_statements"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin[Customer]):
    list_display = ["name", "code", "timezone", "is_active"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}
    inlines = [SiteInline, ContactInline]


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin[Site]):
    list_display = ["name", "customer", "timezone"]
    list_filter = ["customer"]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin[Contact]):
    list_display = ["name", "customer", "email", "user", "preferred_language"]
    list_filter = ["customer"]
    search_fields = ["name", "email"]
