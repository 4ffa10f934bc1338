/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The market name of a Xiaomi codename ("alioth" → "Redmi K40 / POCO F3 / Mi 11X"), or NULL. */
const char *ub_device_names_lookup      (const char *codename);

/* "Redmi K40 / POCO F3 / Mi 11X (alioth)", or the codename alone when its name is unknown
 * (NULL for NULL). */
char       *ub_device_names_dup_display (const char *codename);

G_END_DECLS
