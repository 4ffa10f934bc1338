/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The nick of an enum value registered with glib-mkenums (ub-*-enums.h):
 * the one place that turns the public enums into words for files and JSON. */

#include <glib-object.h>

G_BEGIN_DECLS

/* NULL when @value is not one of @enum_type's values. */
static inline const char *
ub_enum_nick (GType enum_type,
              gint  value)
{
  GEnumClass *klass = g_type_class_peek (enum_type);
  GEnumValue *found;

  /* a static type's class, once made, stays: the reference is kept */
  if (klass == NULL)
    klass = g_type_class_ref (enum_type);
  found = g_enum_get_value (klass, value);
  return found != NULL ? found->value_nick : NULL;
}

/* FALSE when @nick is not one of @enum_type's nicks. */
static inline gboolean
ub_enum_from_nick (GType       enum_type,
                   const char *nick,
                   gint       *value)
{
  GEnumClass *klass = g_type_class_peek (enum_type);
  GEnumValue *found;

  if (klass == NULL)
    klass = g_type_class_ref (enum_type);
  found = nick != NULL ? g_enum_get_value_by_nick (klass, nick) : NULL;
  if (found == NULL)
    return FALSE;
  *value = found->value;
  return TRUE;
}

G_END_DECLS
