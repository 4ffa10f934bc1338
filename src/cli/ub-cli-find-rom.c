/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `unbrick-cli find-rom` and `unbrick-cli download --latest`: the official ROM catalog. */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "ub-cli-download.h"
#include "ub-cli-find-rom.h"
#include "ub-cli-json.h"
#include "ub-fastboot-client.h"
#include "ub-format.h"
#include "ub-online-error.h"
#include "ub-rom-catalog.h"

/* The regions as typed: "global (Global), eea (Europe (EEA)), …" */
static char *
regions_help (void)
{
  GString *out = g_string_new (NULL);

  for (UbRomRegion r = UB_ROM_REGION_GLOBAL; r <= UB_ROM_REGION_KOREA; r++)
    {
      if (out->len > 0)
        g_string_append (out, ", ");
      g_string_append_printf (out, "%s (%s)", ub_rom_region_to_key (r), ub_rom_region_get_name (r));
    }
  return g_string_free (out, FALSE);
}

static gboolean
parse_region (const char   *text,
              UbRomRegion  *region,
              GError      **error)
{
  g_autofree char *help = NULL;

  *region = UB_ROM_REGION_UNKNOWN;
  if (text == NULL)
    return TRUE;
  *region = ub_rom_region_from_string (text);
  if (*region != UB_ROM_REGION_UNKNOWN)
    return TRUE;
  help = regions_help ();
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               /* TRANSLATORS: %s: what was typed after --region; then the list of regions as typed,
                * each with its name */
               _("“%s” is not a region. Use one of: %s"), text, help);
  return FALSE;
}

/* A phone code name as fastboot's product reports it: letters, digits and _. */
static gboolean
check_product (const char  *product,
               GError     **error)
{
  gsize len = strlen (product);

  for (const char *c = product; *c != '\0'; c++)
    if (!g_ascii_isalnum (*c) && *c != '_')
      len = 0;
  if (len > 0 && len <= 64)
    return TRUE;
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               /* TRANSLATORS: %s: what was typed after --product */
               _("“%s” is not a phone code name (letters, digits and _, such as alioth)"), product);
  return FALSE;
}

/* --product, else the phone's own answer to getvar product. */
static char *
get_product (const UbCliFindRomOptions *opt,
             GError                   **error)
{
  g_autoptr(UbFastbootClient) client = NULL;
  g_autofree char *product = NULL;

  if (opt->product != NULL)
    {
      if (!check_product (opt->product, error))
        return NULL;
      return g_ascii_strdown (opt->product, -1);
    }
  client = ub_fastboot_client_open (opt->address, opt->cancellable, error);
  if (client == NULL)
    {
      /* the list needs no phone: say how to name the model instead */
      if (error != NULL && *error != NULL &&
          !g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *message = (*error)->message;
          /* TRANSLATORS: after an error about opening the phone; keep --product: it is typed */
          (*error)->message = g_strdup_printf (_("%s (or name the model with --product CODENAME)"),
                                               message);
        }
      return NULL;
    }
  if (opt->timeout_s > 0)
    {
      guint ms = opt->timeout_s * 1000;
      ub_fastboot_client_set_timeouts (client, MIN (ms, UB_FASTBOOT_TIMEOUT_SHORT), ms, ms);
    }
  product = ub_fastboot_client_getvar (client, "product", opt->cancellable, error);
  if (product == NULL)
    return NULL;
  g_strstrip (product);
  if (product[0] == '\0' || !check_product (product, NULL))
    {
      g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_FAILED,
                   /* TRANSLATORS: %s: what the phone answered; keep --product: it is typed */
                   _("The phone did not tell a usable code name (“%s”); name it with --product"),
                   product);
      return NULL;
    }
  /* TRANSLATORS: %s: the phone's code name, such as alioth */
  g_printerr (_("The phone's code name is “%s”\n"), product);
  return g_steal_pointer (&product);
}

/* The catalog, brought up to date for @product (in a private main context: its signals stay here). */
static UbRomCatalog *
open_catalog (const UbCliFindRomOptions *opt,
              const char                *product,
              char                    ***mirrors,
              GError                   **error)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(UbRomCatalog) catalog = NULL;
  g_autoptr(UbProgress) progress = NULL;
  gboolean ok = TRUE;

  g_main_context_push_thread_default (context);
  catalog = ub_rom_catalog_new ();
  progress = ub_progress_new ();
  if (opt->demo != NULL)
    {
      const char *latest, *history, *mirror;
      g_autofree char *cache = NULL;

      ok = ub_cli_demo_get_catalog (opt->demo, &latest, &history, &mirror, &cache, error);
      if (ok)
        {
          ub_rom_catalog_set_sources (catalog, latest, history);
          ub_rom_catalog_set_cache_dir (catalog, cache);
          *mirrors = g_new0 (char *, 2);
          (*mirrors)[0] = g_strdup (mirror);
        }
    }
  else
    *mirrors = ub_rom_catalog_dup_default_mirrors ();
  if (ok)
    {
      g_printerr (_("Updating the list of official ROMs…\n"));
      ok = ub_rom_catalog_update (catalog, product, progress, opt->cancellable, error);
      if (!ok && error != NULL && *error != NULL &&
          !g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_prefix_error (error, _("There is no list of official ROMs to show (none was saved "
                                 "earlier either): "));
    }
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);
  if (!ok)
    {
      g_clear_pointer (mirrors, g_strfreev);
      return NULL;
    }
  if (ub_rom_catalog_get_offline (catalog))
    {
      GDateTime *fetched = ub_rom_catalog_get_fetched (catalog);
      g_autoptr(GDateTime) local = fetched != NULL ? g_date_time_to_local (fetched) : NULL;
      g_autofree char *when = local != NULL ? g_date_time_format (local, "%Y-%m-%d %H:%M") : NULL;

      /* TRANSLATORS: %s: a date and time, such as 2026-07-20 14:05 */
      g_printerr (_("Offline: this list is from %s.\n"), when != NULL ? when : "?");
    }
  return g_steal_pointer (&catalog);
}

static gboolean
product_unknown (const char  *product,
                 GError     **error)
{
  g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_FAILED,
               /* TRANSLATORS: %s: a phone code name; keep unbrick-cli getvar product: it is typed */
               _("There are no official fastboot ROMs for “%s” in the list. Check the phone's code "
                 "name (unbrick-cli getvar product)."), product);
  return FALSE;
}

/* "Global, Europe (EEA), …": the regions among @releases. */
static char *
regions_of (GPtrArray *releases)
{
  GString *out = g_string_new (NULL);
  guint seen = 0;

  for (guint i = 0; i < releases->len; i++)
    {
      UbRomRegion region = ub_rom_release_get_region (releases->pdata[i]);

      if (region >= 32 || (seen & (1u << region)))
        continue;
      seen |= 1u << region;
      if (out->len > 0)
        g_string_append (out, ", ");
      g_string_append_printf (out, "%s (%s)", ub_rom_region_get_name (region),
                              ub_rom_region_to_key (region) != NULL ? ub_rom_region_to_key (region) : "?");
    }
  return g_string_free (out, FALSE);
}

static gboolean
region_missing (const char   *product,
                UbRomRegion   region,
                GPtrArray    *releases,
                GError      **error)
{
  g_autofree char *have = regions_of (releases);

  g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_FAILED,
               /* TRANSLATORS: %s: a phone code name, a region's name, then a list of regions */
               _("There is no official fastboot ROM of “%s” for %s in the list. It has: %s"),
               product, ub_rom_region_get_name (region), have);
  return FALSE;
}

static char *
size_text (UbRomRelease *release)
{
  g_autofree char *size = NULL;

  if (ub_rom_release_get_size (release) == 0)
    return g_strdup ("?");
  size = ub_format_size (ub_rom_release_get_size (release));
  /* an approximate size, as the catalog gives it */
  return ub_rom_release_get_size_exact (release) ? g_steal_pointer (&size)
                                                 : g_strconcat ("~", size, NULL);
}

static const char *
branch_key (UbRomBranch branch)
{
  switch (branch)
    {
    case UB_ROM_BRANCH_BETA:
      return "beta";
    case UB_ROM_BRANCH_WEEKLY:
      return "weekly";
    case UB_ROM_BRANCH_STABLE:
    default:
      return "stable";
    }
}

/* "stable", "beta, carrier", …: what kind of build (for --all). */
static char *
kind_text (UbRomRelease *release)
{
  UbRomEdition edition = ub_rom_release_get_edition (release);
  GString *out = g_string_new (branch_key (ub_rom_release_get_branch (release)));

  if (edition & UB_ROM_EDITION_CARRIER)
    g_string_append (out, ", carrier");
  if (edition & UB_ROM_EDITION_DEMO)
    g_string_append (out, ", demo");
  if (edition & UB_ROM_EDITION_ENTERPRISE)
    g_string_append (out, ", enterprise");
  if (edition & UB_ROM_EDITION_DEBUG)
    g_string_append (out, ", debug");
  return g_string_free (out, FALSE);
}

static void
append_cell (GString    *line,
             const char *text,
             guint       width)
{
  glong len = g_utf8_strlen (text, -1);

  g_string_append (line, text);
  if (width > 0)
    g_string_append_printf (line, "%*s", (int) (width > len ? width - len + 2 : 2), "");
}

static void
print_table (GPtrArray *releases,
             gboolean   all)
{
  /* TRANSLATORS: the column titles of unbrick-cli find-rom's table */
  const char *titles[] = { N_("Region"), N_("Version"), N_("Android"), N_("Date"), N_("Size"),
                           N_("Kind"), N_("File") };
  guint n_columns = G_N_ELEMENTS (titles);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  guint widths[G_N_ELEMENTS (titles)] = { 0 };

  {
    char **row = g_new0 (char *, n_columns + 1);
    for (guint c = 0; c < n_columns; c++)
      row[c] = g_strdup (_(titles[c]));
    g_ptr_array_add (rows, row);
  }
  for (guint i = 0; i < releases->len; i++)
    {
      UbRomRelease *release = releases->pdata[i];
      char **row = g_new0 (char *, n_columns + 1);

      row[0] = g_strdup (ub_rom_region_get_name (ub_rom_release_get_region (release)));
      row[1] = g_strdup (ub_rom_release_get_version (release));
      row[2] = g_strdup (ub_rom_release_get_android (release) != NULL
                         ? ub_rom_release_get_android (release) : "-");
      row[3] = g_strdup (ub_rom_release_get_date (release) != NULL
                         ? ub_rom_release_get_date (release) : "-");
      row[4] = size_text (release);
      row[5] = kind_text (release);
      row[6] = g_strdup (ub_rom_release_get_file_name (release));
      g_ptr_array_add (rows, row);
    }
  for (guint r = 0; r < rows->len; r++)
    for (guint c = 0; c < n_columns; c++)
      widths[c] = MAX (widths[c], (guint) g_utf8_strlen (((char **) rows->pdata[r])[c], -1));
  for (guint r = 0; r < rows->len; r++)
    {
      char **row = rows->pdata[r];
      GString *line = g_string_new (NULL);

      for (guint c = 0; c < n_columns; c++)
        {
          if (c == 5 && !all)
            continue;
          append_cell (line, row[c], c + 1 < n_columns ? widths[c] : 0);
        }
      g_print ("%s\n", line->str);
      g_string_free (line, TRUE);
    }
}

static void
print_json (const char          *product,
            char                *model,
            UbRomCatalog        *catalog,
            GPtrArray           *releases,
            const char * const  *mirrors)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  GDateTime *fetched = ub_rom_catalog_get_fetched (catalog);
  g_autofree char *iso = fetched != NULL ? g_date_time_format_iso8601 (fetched) : NULL;

  json_builder_begin_object (b);
  ub_cli_json_add_string (b, "product", product);
  ub_cli_json_add_string (b, "model", model);
  ub_cli_json_add_bool (b, "offline", ub_rom_catalog_get_offline (catalog));
  ub_cli_json_add_string (b, "fetched", iso);
  json_builder_set_member_name (b, "releases");
  json_builder_begin_array (b);
  for (guint i = 0; i < releases->len; i++)
    {
      UbRomRelease *release = releases->pdata[i];
      UbRomRegion region = ub_rom_release_get_region (release);
      g_auto(GStrv) urls = ub_rom_release_dup_urls (release, mirrors);
      const struct { const char *key; const char *value; } strings[] = {
        { "region", ub_rom_region_to_key (region) },
        { "region_name", ub_rom_region_get_name (region) },
        { "codename", ub_rom_release_get_codename (release) },
        { "version", ub_rom_release_get_version (release) },
        { "android", ub_rom_release_get_android (release) },
        { "date", ub_rom_release_get_date (release) },
        { "branch", branch_key (ub_rom_release_get_branch (release)) },
        { "md5", ub_rom_release_get_md5 (release) },
        { "md5_prefix", ub_rom_release_get_md5_prefix (release) },
        { "file", ub_rom_release_get_file_name (release) },
      };

      json_builder_begin_object (b);
      for (gsize s = 0; s < G_N_ELEMENTS (strings); s++)
        ub_cli_json_add_string (b, strings[s].key, strings[s].value);
      json_builder_set_member_name (b, "size");
      if (ub_rom_release_get_size (release) > 0)
        json_builder_add_int_value (b, (gint64) ub_rom_release_get_size (release));
      else
        json_builder_add_null_value (b);
      ub_cli_json_add_bool (b, "size_exact", ub_rom_release_get_size_exact (release));
      ub_cli_json_add_bool (b, "special",
                            ub_rom_release_get_edition (release) != UB_ROM_EDITION_NONE);
      json_builder_set_member_name (b, "urls");
      json_builder_begin_array (b);
      for (guint u = 0; urls != NULL && urls[u] != NULL; u++)
        json_builder_add_string_value (b, urls[u]);
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  ub_cli_json_print (b, TRUE);
}

gboolean
ub_cli_find_rom (const UbCliFindRomOptions *opt,
                 GError                   **error)
{
  g_autoptr(UbRomCatalog) catalog = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GPtrArray) releases = g_ptr_array_new_with_free_func (g_object_unref);
  g_auto(GStrv) mirrors = NULL;
  g_autofree char *product = NULL;
  g_autofree char *model = NULL;
  UbRomRegion region;
  UbRomQueryFlags flags = opt->all ? UB_ROM_QUERY_HISTORY | UB_ROM_QUERY_BETA | UB_ROM_QUERY_SPECIAL
                                   : UB_ROM_QUERY_DEFAULT;

  if (!parse_region (opt->region, &region, error))
    return FALSE;
  if ((product = get_product (opt, error)) == NULL)
    return FALSE;
  if ((catalog = open_catalog (opt, product, &mirrors, error)) == NULL)
    return FALSE;

  found = ub_rom_catalog_find (catalog, product, flags);
  for (guint i = 0; i < found->len; i++)
    if (region == UB_ROM_REGION_UNKNOWN || ub_rom_release_get_region (found->pdata[i]) == region)
      g_ptr_array_add (releases, g_object_ref (found->pdata[i]));
  if (found->len == 0)
    return product_unknown (product, error);
  if (releases->len == 0)
    return region_missing (product, region, found, error);

  model = ub_rom_catalog_dup_model_name (catalog, product);
  if (opt->json)
    {
      print_json (product, model, catalog, releases, (const char * const *) mirrors);
      return TRUE;
    }
  if (model != NULL)
    /* TRANSLATORS: %s: a phone's model name, then its code name */
    g_printerr (_("Official fastboot ROMs for %s (%s), newest first:\n"), model, product);
  else
    /* TRANSLATORS: %s: a phone's code name */
    g_printerr (_("Official fastboot ROMs for “%s”, newest first:\n"), product);
  print_table (releases, opt->all);
  if (region == UB_ROM_REGION_UNKNOWN)
    g_printerr (_("Which region is yours? It is on the phone's box, or was in Settings › About "
                  "phone before it broke; choose Global when unsure.\n"));
  /* TRANSLATORS: keep the command: it is typed as it is; %s: a phone code name */
  g_printerr (_("To download one: unbrick-cli download --latest --product %s --region REGION\n"),
              product);
  return TRUE;
}

gboolean
ub_cli_download_latest (const UbCliFindRomOptions *opt,
                        GError                   **error)
{
  g_autoptr(UbRomCatalog) catalog = NULL;
  g_autoptr(UbRomRelease) release = NULL;
  g_auto(GStrv) mirrors = NULL;
  g_auto(GStrv) urls = NULL;
  g_autofree char *product = NULL;
  g_autofree char *size = NULL;
  UbRomRegion region;

  if (opt->region == NULL)
    {
      g_autofree char *help = regions_help ();
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   /* TRANSLATORS: keep --latest and --region: they are typed; %s: the regions */
                   _("--latest needs --region with one of: %s"), help);
      return FALSE;
    }
  if (!parse_region (opt->region, &region, error))
    return FALSE;
  if ((product = get_product (opt, error)) == NULL)
    return FALSE;
  if ((catalog = open_catalog (opt, product, &mirrors, error)) == NULL)
    return FALSE;

  release = ub_rom_catalog_find_latest (catalog, product, region, UB_ROM_QUERY_DEFAULT);
  if (release == NULL)
    {
      g_autoptr(GPtrArray) found = ub_rom_catalog_find (catalog, product, UB_ROM_QUERY_DEFAULT);
      if (found->len == 0)
        return product_unknown (product, error);
      return region_missing (product, region, found, error);
    }
  size = size_text (release);
  /* TRANSLATORS: the ROM download --latest chose: a region's name, a code name, a build, the
   * Android version, a date and a size */
  g_printerr (_("Newest %s ROM for %s: %s (Android %s, %s, %s)\n"),
              ub_rom_region_get_name (region), product, ub_rom_release_get_version (release),
              ub_rom_release_get_android (release) != NULL ? ub_rom_release_get_android (release) : "?",
              ub_rom_release_get_date (release) != NULL ? ub_rom_release_get_date (release) : "?",
              size);
  urls = ub_rom_release_dup_urls (release, (const char * const *) mirrors);
  if (urls == NULL || urls[0] == NULL)
    {
      g_set_error_literal (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_URL,
                           _("There is no download server to get it from (see the rom-mirrors "
                             "setting or UNBRICK_MIRRORS)."));
      return FALSE;
    }
  return ub_cli_download_mirrors ((const char * const *) urls, ub_rom_release_get_md5 (release),
                                  ub_rom_release_get_size_exact (release)
                                    ? ub_rom_release_get_size (release) : 0,
                                  opt->dir, opt->progress, opt->cancellable, NULL, error);
}
