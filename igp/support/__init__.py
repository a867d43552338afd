"""Informal support given to a family (guide §4.1 "informele steun": a listening ear, help with
post and money, going along to a counter) and the volunteer's short notes on it."""
