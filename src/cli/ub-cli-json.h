/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What the commands with --json share: members with NULL as null, and the
 * printing of one document. */

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Prints @builder's document on stdout and flushes: one line, or indented
 * when @pretty. */
void ub_cli_json_print      (JsonBuilder *builder,
                             gboolean     pretty);
/* A string member; NULL gives null. */
void ub_cli_json_add_string (JsonBuilder *builder,
                             const char  *name,
                             const char  *value);
void ub_cli_json_add_int    (JsonBuilder *builder,
                             const char  *name,
                             gint64       value);
void ub_cli_json_add_bool   (JsonBuilder *builder,
                             const char  *name,
                             gboolean     value);

/* One line of an event stream (flash-rom, recovery install): an object
 * {"event": @event, …}; add members, then ub_cli_json_event_end(). */
JsonBuilder *ub_cli_json_event     (const char  *event);
/* Closes the object, prints it as one line and frees @builder. */
void         ub_cli_json_event_end (JsonBuilder *builder);

G_END_DECLS
