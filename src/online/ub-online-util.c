/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "ub-online-util.h"

gboolean
ub_online_json_depth_ok (const char *data,
                         gsize       size,
                         guint       max_depth)
{
  guint depth = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < size; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > max_depth)
            return FALSE;
        }
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }
  return TRUE;
}

GSettings *
ub_online_settings_new (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source == NULL)
    return NULL;
  schema = g_settings_schema_source_lookup (source, "io.github.unbrick.Unbrick", TRUE);
  if (schema == NULL)
    return NULL;
  return g_settings_new_full (schema, NULL, NULL);
}

gboolean
ub_online_is_md5 (const char *text)
{
  if (text == NULL || strlen (text) != 32)
    return FALSE;
  for (gsize i = 0; i < 32; i++)
    if (!g_ascii_isxdigit (text[i]))
      return FALSE;
  return TRUE;
}

char **
ub_online_mirror_urls (const char * const *mirrors,
                       const char         *path)
{
  GPtrArray *urls = g_ptr_array_new ();

  for (gsize i = 0; mirrors != NULL && mirrors[i] != NULL; i++)
    {
      gsize len = strlen (mirrors[i]);

      while (len > 0 && mirrors[i][len - 1] == '/')
        len--;
      if (len == 0)
        continue;
      g_ptr_array_add (urls, g_strdup_printf ("%.*s/%s", (int) len, mirrors[i], path));
    }
  g_ptr_array_add (urls, NULL);
  return (char **) g_ptr_array_free (urls, FALSE);
}
