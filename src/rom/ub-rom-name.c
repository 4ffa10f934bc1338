/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <archive.h>
#include <glib/gi18n.h>
#include <string.h>

#include "ub-rom-name.h"
#include "ub-rom-region.h"

typedef struct {
  const char *ext;
  const char *(*available) (void);  /* NULL: always */
} ArchiveExt;

static const ArchiveExt archive_exts[] = {
  { ".tar.gz", NULL }, { ".tgz", NULL }, { ".tar", NULL }, { ".zip", NULL },
  { ".tar.xz", archive_liblzma_version }, { ".txz", archive_liblzma_version },
  { ".tar.bz2", archive_bzlib_version }, { ".tbz2", archive_bzlib_version },
  { ".tbz", archive_bzlib_version },
  { ".tar.zst", archive_libzstd_version }, { ".tzst", archive_libzstd_version },
};

/* Length of the archive extension @name ends with, 0 if none. */
static gsize
archive_ext_len (const char *name)
{
  gsize len = strlen (name);

  for (guint i = 0; i < G_N_ELEMENTS (archive_exts); i++)
    {
      gsize elen = strlen (archive_exts[i].ext);

      if (len > elen && g_ascii_strcasecmp (name + len - elen, archive_exts[i].ext) == 0)
        {
          if (archive_exts[i].available && archive_exts[i].available () == NULL)
            return 0;
          return elen;
        }
    }
  return 0;
}

gboolean
ub_rom_name_is_archive (const char *path)
{
  g_autofree char *base = NULL;

  g_return_val_if_fail (path != NULL, FALSE);
  base = g_path_get_basename (path);
  return archive_ext_len (base) > 0;
}

char *
ub_rom_name_dup_stem (const char *path)
{
  g_autofree char *base = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  base = g_path_get_basename (path);
  return g_strndup (base, strlen (base) - archive_ext_len (base));
}

char *
ub_rom_name_dup_md5_prefix (const char *path)
{
  g_autofree char *stem = NULL;
  gsize len;

  g_return_val_if_fail (path != NULL, NULL);
  stem = ub_rom_name_dup_stem (path);
  len = strlen (stem);
  /* a browser's duplicate download: "name_0a1b2c3d4e (1).tgz" */
  if (len > 0 && stem[len - 1] == ')')
    {
      gsize i = len - 1;

      while (i > 0 && g_ascii_isdigit (stem[i - 1]))
        i--;
      if (i > 0 && i < len - 1 && stem[i - 1] == '(')
        {
          len = i - 1;
          while (len > 0 && stem[len - 1] == ' ')
            len--;
        }
    }
  /* "…_0a1b2c3d4e", or the hyphen grammar's "…-eea-0a1b2c3d4e" */
  if (len < 11 || (stem[len - 11] != '_' && stem[len - 11] != '-'))
    return NULL;
  for (gsize i = len - 10; i < len; i++)
    if (!g_ascii_isxdigit (stem[i]))
      return NULL;
  return g_ascii_strdown (stem + len - 10, 10);
}

/* A fixed pattern, compiled once for the process (catalogs parse thousands of names). */
static GRegex *
regex_once (gsize      *slot,
            const char *pattern)
{
  if (g_once_init_enter (slot))
    {
      GRegex *re = g_regex_new (pattern, 0, 0, NULL);

      g_assert (re != NULL);
      g_once_init_leave (slot, (gsize) re);
    }
  return (GRegex *) *slot;
}

gboolean
ub_rom_name_parse_build (const char  *text,
                         char       **version,
                         char       **region_code)
{
  static gsize build_re;
  g_autoptr(GMatchInfo) m = NULL;
  g_autofree char *code = NULL;

  if (text == NULL)
    return FALSE;
  /* V14.0.9.0.TMBMIXM, OS3.0.9.0.WPYCNXM, A15.0.15.0.VGWEUXM:
   * <Android letter><2 device letters><2 region letters><2 edition letters> */
  if (!g_regex_match (regex_once (&build_re,
                                  "(?:^|_)((?:V|OS|A)\\d+(?:\\.\\d+){2,3}\\.([A-Z]{7}))(?:_|$)"),
                      text, 0, &m))
    return FALSE;
  code = g_match_info_fetch (m, 2);
  if (version)
    *version = g_match_info_fetch (m, 1);
  if (region_code)
    *region_code = g_strndup (code + 3, 2);
  return TRUE;
}

char *
ub_rom_name_dup_android (const char *path)
{
  static gsize android_re;
  g_autoptr(GMatchInfo) m = NULL;
  g_autofree char *base = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  base = g_path_get_basename (path);
  if (!g_regex_match (regex_once (&android_re, "_(\\d{1,2}\\.\\d)(?:_|$)"), base, 0, &m))
    return NULL;
  return g_match_info_fetch (m, 1);
}

const char *
ub_rom_name_region_name (const char *code)
{
  UbRomRegion region = ub_rom_region_from_build_code (code);

  return region == UB_ROM_REGION_UNKNOWN ? NULL : ub_rom_region_get_name (region);
}

/* File-name parse: each "_"/"-" word is told by its shape. */

static const char * const region_words[] = {
  "global", "eea", "cn", "in", "ru", "id", "tr", "tw", "jp", "kr", NULL
};
static const char * const carrier_words[] = {
  "chinatelecom", "chinamobile", "chinaunicom", NULL
};

static gboolean
in_list (const char         *word,
         const char * const *list)
{
  for (gsize i = 0; list[i] != NULL; i++)
    if (g_ascii_strcasecmp (word, list[i]) == 0)
      return TRUE;
  return FALSE;
}

/* @n digits (n > 0) starting at @s, then @s[n] is the end or a '.'. */
static gboolean
digits_then (const char *s,
             gsize       min,
             gsize       max,
             const char **end)
{
  gsize n = 0;

  while (g_ascii_isdigit (s[n]))
    n++;
  if (n < min || n > max)
    return FALSE;
  *end = s + n;
  return TRUE;
}

/* "20260720.0000.00" */
static gboolean
is_date (const char *w)
{
  const char *p;

  return digits_then (w, 8, 8, &p) && *p == '.'
      && digits_then (p + 1, 4, 4, &p) && *p == '.'
      && digits_then (p + 1, 2, 2, &p) && *p == '\0';
}

/* "16.0" */
static gboolean
is_android (const char *w)
{
  const char *p;

  return digits_then (w, 1, 2, &p) && *p == '.' && digits_then (p + 1, 1, 1, &p) && *p == '\0';
}

static gboolean
is_md5_prefix (const char *w)
{
  if (strlen (w) != 10)
    return FALSE;
  for (gsize i = 0; i < 10; i++)
    if (!g_ascii_isxdigit (w[i]))
      return FALSE;
  return TRUE;
}

/*
 * A build: "OS3.0.303.0.WNCMIXM", "V14.0.9.0.TKHMIXM", "A15.0.15.0.VGWEUXM"
 * (its letters → @region_code), "V14.0.23.1.30.DEV", "OS1.0.24.7.28.DEV"
 * (no region) or a weekly "22.1.19".
 */
static gboolean
is_build (const char  *w,
          char       **region_code)
{
  const char *p = w;
  guint numbers = 0;
  gboolean prefixed = FALSE;

  *region_code = NULL;
  if (g_str_has_prefix (p, "OS"))
    p += 2, prefixed = TRUE;
  else if (*p == 'V' || *p == 'A')
    p += 1, prefixed = TRUE;
  for (;;)
    {
      const char *end;

      if (!digits_then (p, 1, 4, &end))
        break;
      numbers++;
      p = end;
      if (*p != '.')
        break;
      p++;
    }
  if (!prefixed)
    /* weekly: three short numbers and nothing else */
    return numbers == 3 && *p == '\0' && strlen (w) <= 8;
  if (numbers < 3 || p[-1] != '.')
    return FALSE;
  if (g_str_equal (p, "DEV"))
    return TRUE;
  if (strlen (p) != 7)
    return FALSE;
  for (gsize i = 0; i < 7; i++)
    if (!g_ascii_isupper (p[i]))
      return FALSE;
  *region_code = g_strndup (p + 3, 2);
  return TRUE;
}

/* "HOUJITRGlobal" → "houji" + "tr"; "HOUJI" → "houji". */
static void
parse_miui_word (const char     *word,
                 UbRomNameInfo  *info)
{
  static const char * const codes[] = { "EEA", "IN", "RU", "ID", "TR", "TW", "JP", "KR", NULL };
  g_autofree char *w = g_strdup (word);
  gsize len = strlen (w);

  if (len > 6 && g_str_has_suffix (w, "Global"))
    {
      len -= 6;
      w[len] = '\0';
      info->region_word = g_strdup ("global");
      for (gsize i = 0; codes[i] != NULL; i++)
        {
          gsize clen = strlen (codes[i]);

          if (len > clen + 1 && g_str_has_suffix (w, codes[i]))
            {
              w[len - clen] = '\0';
              g_free (info->region_word);
              info->region_word = g_ascii_strdown (codes[i], -1);
              break;
            }
        }
    }
  info->codename = g_ascii_strdown (w, -1);
}

UbRomNameInfo *
ub_rom_name_parse (const char *name_or_url)
{
  g_autoptr(UbRomNameInfo) info = NULL;
  g_autofree char *path = NULL;
  g_autofree char *stem = NULL;
  g_autoptr(GPtrArray) words = NULL;
  g_autoptr(GString) codename = NULL;
  const char *base;
  gboolean miui = FALSE;
  gboolean body = FALSE;  /* past the codename */
  gsize len;

  g_return_val_if_fail (name_or_url != NULL, NULL);

  path = g_strndup (name_or_url, strcspn (name_or_url, "?#"));
  base = strrchr (path, '/');
  base = base != NULL ? base + 1 : path;
  if (*base == '\0')
    return NULL;
  info = g_new0 (UbRomNameInfo, 1);
  info->file_name = g_strdup (base);

  stem = g_strndup (base, strlen (base) - archive_ext_len (base));
  /* a browser's duplicate "… (1)" */
  len = strlen (stem);
  if (len > 3 && stem[len - 1] == ')')
    {
      char *open = strrchr (stem, '(');
      gboolean digits = open != NULL && open + 1 < stem + len - 1;

      for (char *p = open != NULL ? open + 1 : NULL; digits && p < stem + len - 1; p++)
        digits = g_ascii_isdigit (*p);
      if (digits && open > stem)
        {
          *open = '\0';
          g_strchomp (stem);
        }
    }
  if (g_str_has_suffix (stem, ".debug"))
    {
      stem[strlen (stem) - 6] = '\0';
      info->debug = TRUE;
    }

  words = g_ptr_array_new_with_free_func (g_free);
  {
    g_auto(GStrv) parts = NULL;
    g_autofree char *dashed = g_strdup (stem);

    g_strdelimit (dashed, "-", '_');
    parts = g_strsplit (dashed, "_", -1);
    for (gsize i = 0; parts[i] != NULL; i++)
      {
        if (*parts[i] == '\0')
          continue;
        if (g_str_equal (parts[i], "ota") && parts[i + 1] != NULL && g_str_equal (parts[i + 1], "full"))
          {
            g_ptr_array_add (words, g_strdup ("ota_full"));
            i++;
            continue;
          }
        g_ptr_array_add (words, g_strdup (parts[i]));
      }
  }

  codename = g_string_new (NULL);
  for (guint i = 0; i < words->len; i++)
    {
      const char *w = g_ptr_array_index (words, i);
      g_autofree char *code = NULL;

      if (i == 0 && g_ascii_strcasecmp (w, "miui") == 0)
        {
          miui = TRUE;
          info->package = UB_ROM_PACKAGE_RECOVERY;
        }
      else if (info->version == NULL && is_build (w, &code))
        {
          info->version = g_strdup (w);
          info->region_code = g_steal_pointer (&code);
          body = TRUE;
        }
      else if (g_str_equal (w, "images"))
        {
          info->package = UB_ROM_PACKAGE_FASTBOOT;
          body = TRUE;
        }
      else if (g_str_equal (w, "ota_full"))
        {
          info->package = UB_ROM_PACKAGE_RECOVERY;
          body = TRUE;
        }
      else if (g_str_equal (w, "pre"))
        info->pre = TRUE;
      else if (g_str_equal (w, "debug"))
        info->debug = TRUE;
      else if (g_str_equal (w, "user"))
        ;
      else if (!body)
        {
          if (miui && info->codename == NULL)
            parse_miui_word (w, info);
          else if (!miui)
            {
              if (codename->len > 0)
                g_string_append_c (codename, '_');
              g_string_append (codename, w);
            }
        }
      else if (info->date == NULL && is_date (w))
        info->date = g_strdup_printf ("%.4s-%.2s-%.2s", w, w + 4, w + 6);
      else if (info->android == NULL && is_android (w))
        info->android = g_strdup (w);
      else if (info->md5_prefix == NULL && is_md5_prefix (w))
        info->md5_prefix = g_ascii_strdown (w, -1);
      else if (info->region_word == NULL && in_list (w, region_words))
        info->region_word = g_ascii_strdown (w, -1);
      else if (info->carrier == NULL && in_list (w, carrier_words))
        info->carrier = g_ascii_strdown (w, -1);
    }

  if (info->version == NULL)
    return NULL;
  if (!miui && codename->len > 0)
    info->codename = g_ascii_strdown (codename->str, -1);
  return g_steal_pointer (&info);
}

void
ub_rom_name_info_free (UbRomNameInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->file_name);
  g_free (info->codename);
  g_free (info->region_word);
  g_free (info->carrier);
  g_free (info->version);
  g_free (info->region_code);
  g_free (info->date);
  g_free (info->android);
  g_free (info->md5_prefix);
  g_free (info);
}
