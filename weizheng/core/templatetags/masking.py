"""{% load masking %} then {{ binding.id_number|mask_id_number }}, |mask_phone, |mask_name."""

from django import template

from weizheng.core import masking

register = template.Library()

register.filter("mask_id_number", masking.mask_id_number)
register.filter("mask_phone", masking.mask_phone)
register.filter("mask_name", masking.mask_name)
