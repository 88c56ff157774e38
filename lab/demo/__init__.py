"""The demo: the Utrecht city ``make demo`` serves (``city``), shoppers who answer to the rules
(``shoppers``) and the widget demo page's key (``widget_key``)."""
