/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <yaml.h>

#include "ub-cached-fetch.h"
#include "ub-online-error.h"
#include "ub-online-util.h"
#include "ub-rom-catalog.h"
#include "ub-rom-release-private.h"

#define MAX_LATEST_SIZE   (32 * 1024 * 1024)
#define MAX_HISTORY_SIZE  (8 * 1024 * 1024)
#define MAX_DEPTH         32
#define MAX_RECORDS       100000
#define MIN_SIZE          1000000   /* rows under 1 MB are dead links */
#define DEFAULT_MAX_AGE   (6 * G_TIME_SPAN_HOUR)
#define SAFE_NAME_CHARS   "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"

static const char * const default_mirrors[] = {
  "https://bkt-sgp-miui-ota-update-alisgp.oss-ap-southeast-1.aliyuncs.com",
  "https://cdnorg.d.miui.com",
  "https://bigota.d.miui.com",
  "https://ultimateota.d.miui.com",
  "https://superota.d.miui.com",
  NULL
};

/* One file of the catalog, keyed by its name. */
typedef struct {
  char          *codename;    /* catalog codename, lower case */
  char          *version;
  char          *android;
  char          *date;        /* build date from the name, else the record's */
  char          *file_name;
  char          *model_name;
  char          *md5;
  char          *md5_prefix;
  char          *link;
  char          *region_code; /* from the build, NULL for betas */
  guint64        size;
  gboolean       size_exact;
  UbRomBranch    branch;
  UbRomEdition   edition;     /* from the name and the build */
  UbRomPackage   package;
} Record;

static void
record_free (Record *r)
{
  if (r == NULL)
    return;
  g_free (r->codename);
  g_free (r->version);
  g_free (r->android);
  g_free (r->date);
  g_free (r->file_name);
  g_free (r->model_name);
  g_free (r->md5);
  g_free (r->md5_prefix);
  g_free (r->link);
  g_free (r->region_code);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Record, record_free)

struct _UbRomCatalog
{
  GObject       parent_instance;

  GMainContext *context;       /* the creator's, for "changed" */
  GThread      *owner;         /* the creator's thread */
  GMutex        mutex;         /* guards everything below */
  GHashTable   *records;       /* file name → Record */
  char         *latest_url;
  char         *history_url;
  char         *cache_dir;
  GTimeSpan     max_age;
  gboolean      offline;
  GDateTime    *fetched;
};

G_DEFINE_FINAL_TYPE (UbRomCatalog, ub_rom_catalog, G_TYPE_OBJECT)

enum { SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* ---- settings */

static char *
setting_string (GSettings  *settings,
                const char *env,
                const char *key,
                const char *fallback)
{
  const char *value = g_getenv (env);

  if (value != NULL)
    return g_strdup (value);
  if (settings != NULL)
    return g_settings_get_string (settings, key);
  return g_strdup (fallback);
}

char **
ub_rom_catalog_dup_default_mirrors (void)
{
  const char *env = g_getenv ("UNBRICK_MIRRORS");
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) from_settings = NULL;

  if (env != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (env, ",", -1);

      for (gsize i = 0; parts[i] != NULL; i++)
        {
          g_strstrip (parts[i]);
          if (parts[i][0] != '\0')
            g_ptr_array_add (list, g_strdup (parts[i]));
        }
    }
  if (list->len == 0)
    {
      g_autoptr(GSettings) settings = ub_online_settings_new ();

      if (settings != NULL)
        from_settings = g_settings_get_strv (settings, "rom-mirrors");
      for (gsize i = 0; from_settings != NULL && from_settings[i] != NULL; i++)
        if (from_settings[i][0] != '\0')
          g_ptr_array_add (list, g_strdup (from_settings[i]));
    }
  if (list->len == 0)
    for (gsize i = 0; default_mirrors[i] != NULL; i++)
      g_ptr_array_add (list, g_strdup (default_mirrors[i]));
  g_ptr_array_add (list, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&list), FALSE);
}

/* ---- object */

static void
ub_rom_catalog_finalize (GObject *object)
{
  UbRomCatalog *self = UB_ROM_CATALOG (object);

  g_main_context_unref (self->context);
  g_mutex_clear (&self->mutex);
  g_hash_table_unref (self->records);
  g_free (self->latest_url);
  g_free (self->history_url);
  g_free (self->cache_dir);
  g_clear_pointer (&self->fetched, g_date_time_unref);
  G_OBJECT_CLASS (ub_rom_catalog_parent_class)->finalize (object);
}

static void
ub_rom_catalog_class_init (UbRomCatalogClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ub_rom_catalog_finalize;

  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 0);
}

static void
ub_rom_catalog_init (UbRomCatalog *self)
{
  g_mutex_init (&self->mutex);
  self->context = g_main_context_ref_thread_default ();
  self->owner = g_thread_self ();
  self->records = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) record_free);
  self->max_age = DEFAULT_MAX_AGE;
  self->cache_dir = g_build_filename (g_get_user_cache_dir (), "unbrick", "catalog", NULL);
}

UbRomCatalog *
ub_rom_catalog_new (void)
{
  UbRomCatalog *self = g_object_new (UB_TYPE_ROM_CATALOG, NULL);
  g_autoptr(GSettings) settings = ub_online_settings_new ();

  self->latest_url = setting_string (settings, "UNBRICK_CATALOG_URL", "catalog-url",
                                     UB_ROM_CATALOG_DEFAULT_URL);
  self->history_url = setting_string (settings, "UNBRICK_HISTORY_URL", "catalog-history-url",
                                      UB_ROM_CATALOG_DEFAULT_HISTORY_URL);
  return self;
}

void
ub_rom_catalog_set_sources (UbRomCatalog *self,
                            const char   *latest_url,
                            const char   *history_url)
{
  g_return_if_fail (UB_IS_ROM_CATALOG (self));
  g_mutex_lock (&self->mutex);
  g_free (self->latest_url);
  self->latest_url = g_strdup (latest_url);
  g_free (self->history_url);
  self->history_url = g_strdup (history_url);
  g_mutex_unlock (&self->mutex);
}

void
ub_rom_catalog_set_cache_dir (UbRomCatalog *self,
                              const char   *cache_dir)
{
  g_return_if_fail (UB_IS_ROM_CATALOG (self));
  g_return_if_fail (cache_dir != NULL);
  g_mutex_lock (&self->mutex);
  g_free (self->cache_dir);
  self->cache_dir = g_strdup (cache_dir);
  g_mutex_unlock (&self->mutex);
}

void
ub_rom_catalog_set_max_age (UbRomCatalog *self,
                            GTimeSpan     max_age)
{
  g_return_if_fail (UB_IS_ROM_CATALOG (self));
  g_mutex_lock (&self->mutex);
  self->max_age = max_age;
  g_mutex_unlock (&self->mutex);
}

gboolean
ub_rom_catalog_get_offline (UbRomCatalog *self)
{
  gboolean offline;

  g_return_val_if_fail (UB_IS_ROM_CATALOG (self), FALSE);
  g_mutex_lock (&self->mutex);
  offline = self->offline;
  g_mutex_unlock (&self->mutex);
  return offline;
}

GDateTime *
ub_rom_catalog_get_fetched (UbRomCatalog *self)
{
  GDateTime *fetched;

  g_return_val_if_fail (UB_IS_ROM_CATALOG (self), NULL);
  /* the pointer stays valid as long as no update replaces it (owner's thread) */
  g_mutex_lock (&self->mutex);
  fetched = self->fetched;
  g_mutex_unlock (&self->mutex);
  return fetched;
}

static gboolean
emit_changed_cb (gpointer data)
{
  g_signal_emit (data, signals[SIGNAL_CHANGED], 0);
  return G_SOURCE_REMOVE;
}

/* At once on the creator's thread, else from an idle in its main context
 * (never on a worker, even when that context is free to acquire). */
static void
emit_changed (UbRomCatalog *self)
{
  g_autoptr(GSource) idle = NULL;

  if (g_thread_self () == self->owner)
    {
      g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
      return;
    }
  idle = g_idle_source_new ();
  g_source_set_priority (idle, G_PRIORITY_DEFAULT);
  g_source_set_callback (idle, emit_changed_cb, g_object_ref (self), g_object_unref);
  g_source_set_static_name (idle, "[unbrick] catalog changed");
  g_source_attach (idle, self->context);
}

/* ---- records: building, merging */

/* "5.9 GB", "958.4 MB", "350 Bytes" → bytes (decimal units); 0 when not a size. */
static guint64
parse_size (const char *text)
{
  static const struct { const char *unit; double factor; } units[] = {
    { "bytes", 1 }, { "byte", 1 }, { "b", 1 }, { "kb", 1e3 }, { "mb", 1e6 }, { "gb", 1e9 }, { "tb", 1e12 },
  };
  char *end = NULL;
  double value;

  if (text == NULL)
    return 0;
  value = g_ascii_strtod (text, &end);
  if (end == text || !(value >= 0) || value > 1e15)
    return 0;
  while (*end == ' ')
    end++;
  for (gsize i = 0; i < G_N_ELEMENTS (units); i++)
    if (g_ascii_strcasecmp (end, units[i].unit) == 0)
      return (guint64) (value * units[i].factor + 0.5);
  return 0;
}

static UbRomBranch
branch_from_text (const char *branch)
{
  if (branch == NULL || g_ascii_strcasecmp (branch, "Stable") == 0)
    return UB_ROM_BRANCH_STABLE;
  if (g_ascii_strcasecmp (branch, "Weekly") == 0)
    return UB_ROM_BRANCH_WEEKLY;
  return UB_ROM_BRANCH_BETA;
}

/*
 * A record for @file_or_link in catalog @codename, with what its name says:
 * package, build region, edition, branch hints, build date. NULL (and a
 * debug line) when the name is not a Xiaomi ROM or its build differs from
 * @version.
 */
static Record *
record_new (const char *codename,
            const char *file_or_link,
            const char *version)
{
  g_autoptr(UbRomNameInfo) info = NULL;
  Record *r;
  gsize vlen;

  if (codename == NULL || file_or_link == NULL)
    return NULL;
  info = ub_rom_name_parse (file_or_link);
  if (info == NULL)
    {
      g_debug ("not a ROM file name: %s", file_or_link);
      return NULL;
    }
  if (version != NULL && !g_str_equal (version, info->version))
    {
      g_debug ("%s: version %s, name says %s", file_or_link, version, info->version);
      return NULL;
    }
  /* it becomes a file name on disk and part of a URL: Xiaomi's letters only */
  if (info->file_name[0] == '.' || info->file_name[strspn (info->file_name, SAFE_NAME_CHARS)] != '\0')
    {
      g_debug ("not a plain file name: %s", file_or_link);
      return NULL;
    }
  r = g_new0 (Record, 1);
  r->codename = g_ascii_strdown (codename, -1);
  r->file_name = g_strdup (info->file_name);
  r->version = g_strdup (info->version);
  r->android = g_strdup (info->android);
  r->date = g_strdup (info->date);
  r->md5_prefix = g_strdup (info->md5_prefix);
  r->region_code = g_strdup (info->region_code);
  r->package = info->package;
  if (info->carrier != NULL)
    r->edition |= UB_ROM_EDITION_CARRIER;
  if (info->debug)
    r->edition |= UB_ROM_EDITION_DEBUG;
  /* the build's last two letters: XM standard, DM demo, others carrier/special */
  vlen = strlen (info->version);
  if (info->region_code != NULL && vlen >= 2)
    {
      const char *edition = info->version + vlen - 2;

      if (g_str_equal (edition, "DM"))
        r->edition |= UB_ROM_EDITION_DEMO;
      else if (!g_str_equal (edition, "XM"))
        r->edition |= UB_ROM_EDITION_CARRIER;
    }
  if (info->pre)
    r->branch = UB_ROM_BRANCH_WEEKLY;
  else if (g_str_has_suffix (info->version, ".DEV"))
    r->branch = UB_ROM_BRANCH_BETA;
  if (r->package == UB_ROM_PACKAGE_UNKNOWN)
    r->package = g_str_has_suffix (r->file_name, ".zip") ? UB_ROM_PACKAGE_RECOVERY
                                                         : UB_ROM_PACKAGE_FASTBOOT;
  return r;
}

static void
take_string (char **field,
             char  *value)
{
  g_free (*field);
  *field = value;
}

/* @from (latest.yml: @authoritative) into @into, same file name. */
static void
record_merge (Record       *into,
              const Record *from,
              gboolean      authoritative)
{
#define FILL(field) \
  if (from->field != NULL && (authoritative || into->field == NULL)) \
    take_string (&into->field, g_strdup (from->field))
  FILL (md5);
  FILL (link);
  FILL (model_name);
  FILL (android);
  FILL (date);
#undef FILL
  if (from->size != 0 && (authoritative || into->size == 0))
    {
      into->size = from->size;
      into->size_exact = from->size_exact;
    }
  into->edition |= from->edition;
  if (from->branch > into->branch)
    into->branch = from->branch;
}

static void
merge_records (UbRomCatalog *self,
               GPtrArray    *records,
               gboolean      authoritative)
{
  g_mutex_lock (&self->mutex);
  for (guint i = 0; i < records->len; i++)
    {
      Record *r = g_ptr_array_index (records, i);
      Record *old = g_hash_table_lookup (self->records, r->file_name);

      if (old != NULL)
        record_merge (old, r, authoritative);
      else
        {
          g_ptr_array_index (records, i) = NULL;
          g_hash_table_replace (self->records, r->file_name, r);
        }
    }
  g_mutex_unlock (&self->mutex);
  emit_changed (self);
}

/* ---- latest.yml (libyaml events) */

typedef struct {
  char *android, *branch, *codename, *date, *link, *md5, *method, *name, *size, *version;
  guint line;
} YamlRow;

static void
yaml_row_clear (YamlRow *row)
{
  g_free (row->android);
  g_free (row->branch);
  g_free (row->codename);
  g_free (row->date);
  g_free (row->link);
  g_free (row->md5);
  g_free (row->method);
  g_free (row->name);
  g_free (row->size);
  g_free (row->version);
  memset (row, 0, sizeof *row);
}

static char **
yaml_row_field (YamlRow    *row,
                const char *key)
{
  static const struct { const char *key; gsize offset; } fields[] = {
    { "android", G_STRUCT_OFFSET (YamlRow, android) },
    { "branch", G_STRUCT_OFFSET (YamlRow, branch) },
    { "codename", G_STRUCT_OFFSET (YamlRow, codename) },
    { "date", G_STRUCT_OFFSET (YamlRow, date) },
    { "link", G_STRUCT_OFFSET (YamlRow, link) },
    { "md5", G_STRUCT_OFFSET (YamlRow, md5) },
    { "method", G_STRUCT_OFFSET (YamlRow, method) },
    { "name", G_STRUCT_OFFSET (YamlRow, name) },
    { "size", G_STRUCT_OFFSET (YamlRow, size) },
    { "version", G_STRUCT_OFFSET (YamlRow, version) },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
    if (g_str_equal (key, fields[i].key))
      return G_STRUCT_MEMBER_P (row, fields[i].offset);
  return NULL;
}

static void
set_bad_data (GError    **error,
              const char *source,
              guint       line,
              const char *problem)
{
  /* TRANSLATORS: "The ROM catalog (latest.yml) is damaged at line 12: a record has no version" */
  g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_DATA,
               _("The ROM catalog (%s) is damaged at line %u: %s"), source, line, problem);
}

/*
 * A row → a record (*out), or NULL and the reason it is not one (*problem,
 * translated): fields missing, a version cut short, an MD5 that is not one.
 * Such a row in the middle of the file is skipped; as the last one it means
 * the file was cut (see parse_latest). Rows that are simply not ROMs are
 * skipped without a problem.
 */
static void
yaml_row_finish (YamlRow  *row,
                 Record  **out,
                 char    **problem)
{
  Record *r;
  const char *missing = NULL;

  *out = NULL;
  *problem = NULL;
  if (row->version == NULL)
    missing = "version";
  else if (row->size == NULL)
    missing = "size";
  else if (row->link == NULL)
    missing = "link";
  else if (row->codename == NULL)
    missing = "codename";
  else if (row->branch == NULL)
    missing = "branch";
  if (missing != NULL)
    {
      *problem = g_strdup_printf (_("a record has no “%s”"), missing);
      return;
    }
  if (row->md5 != NULL && !ub_online_is_md5 (row->md5))
    {
      *problem = g_strdup (_("a record’s MD5 is not 32 hex digits"));
      return;
    }
  r = record_new (row->codename, row->link, row->version);
  if (r == NULL)
    {
      g_autoptr(UbRomNameInfo) info = ub_rom_name_parse (row->link);

      /* the link's build cut short: "version: OS1.0.34" */
      if (info != NULL && g_str_has_prefix (info->version, row->version))
        *problem = g_strdup (_("a record’s version is cut short"));
      return;
    }
  r->link = g_strdup (row->link);
  if (ub_online_is_md5 (row->md5))
    r->md5 = g_ascii_strdown (row->md5, -1);
  r->size = parse_size (row->size);
  if (r->date == NULL && row->date != NULL)
    r->date = g_strdup (row->date);
  if (r->android == NULL && row->android != NULL)
    r->android = g_strdup (row->android);
  r->model_name = g_strdup (row->name);
  if (branch_from_text (row->branch) > r->branch)
    r->branch = branch_from_text (row->branch);
  if (row->method != NULL)
    {
      if (g_ascii_strcasecmp (row->method, "Fastboot") == 0)
        r->package = UB_ROM_PACKAGE_FASTBOOT;
      else if (g_ascii_strcasecmp (row->method, "Recovery") == 0)
        r->package = UB_ROM_PACKAGE_RECOVERY;
    }
  *out = r;
}

static GPtrArray *
parse_latest (GBytes  *yaml,
              GError **error)
{
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) record_free);
  yaml_parser_t parser;
  YamlRow row = { 0 };
  g_autofree char *key = NULL;
  g_autofree char *last_problem = NULL;  /* of the last row */
  gboolean done = FALSE, ok = TRUE, in_list = FALSE, in_row = FALSE, seen_doc = FALSE;
  guint depth = 0, rows = 0, last_problem_line = 0;
  gsize size;
  const guchar *data = g_bytes_get_data (yaml, &size);

  if (size > MAX_LATEST_SIZE)
    {
      g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_DATA,
                   _("The ROM catalog (latest.yml) is larger than %u MiB; refusing it"),
                   (guint) (MAX_LATEST_SIZE / (1024 * 1024)));
      return NULL;
    }
  if (!yaml_parser_initialize (&parser))
    g_error ("out of memory");
  yaml_parser_set_input_string (&parser, data != NULL ? data : (const guchar *) "", size);

  while (ok && !done)
    {
      yaml_event_t event;
      guint line;

      if (!yaml_parser_parse (&parser, &event))
        {
          set_bad_data (error, "latest.yml", (guint) parser.problem_mark.line + 1,
                        parser.problem != NULL ? parser.problem : "?");
          ok = FALSE;
          break;
        }
      line = (guint) event.start_mark.line + 1;
      switch (event.type)
        {
        case YAML_STREAM_START_EVENT:
        case YAML_NO_EVENT:
          break;
        case YAML_DOCUMENT_START_EVENT:
          if (seen_doc)
            {
              set_bad_data (error, "latest.yml", line, _("more than one document"));
              ok = FALSE;
            }
          seen_doc = TRUE;
          break;
        case YAML_DOCUMENT_END_EVENT:
          break;
        case YAML_STREAM_END_EVENT:
          done = TRUE;
          break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
          depth++;
          if (depth > MAX_DEPTH)
            {
              set_bad_data (error, "latest.yml", line, _("nested too deeply"));
              ok = FALSE;
            }
          else if (depth == 1)
            {
              if (event.type != YAML_SEQUENCE_START_EVENT)
                {
                  set_bad_data (error, "latest.yml", line, _("it is not a list"));
                  ok = FALSE;
                }
              in_list = TRUE;
            }
          else if (depth == 2)
            {
              if (event.type != YAML_MAPPING_START_EVENT)
                {
                  set_bad_data (error, "latest.yml", line, _("a record is not a mapping"));
                  ok = FALSE;
                }
              else if (++rows > MAX_RECORDS)
                {
                  set_bad_data (error, "latest.yml", line, _("too many records"));
                  ok = FALSE;
                }
              in_row = TRUE;
              row.line = line;
            }
          break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
          if (depth == 2 && in_row)
            {
              Record *r = NULL;

              g_clear_pointer (&last_problem, g_free);
              yaml_row_finish (&row, &r, &last_problem);
              if (r != NULL)
                g_ptr_array_add (records, r);
              else if (last_problem != NULL)
                {
                  g_debug ("latest.yml line %u skipped: %s", row.line, last_problem);
                  last_problem_line = row.line;
                }
              yaml_row_clear (&row);
              in_row = FALSE;
            }
          else if (depth == 3)
            g_clear_pointer (&key, g_free);  /* a nested value: ignored */
          depth--;
          break;
        case YAML_ALIAS_EVENT:
        case YAML_SCALAR_EVENT:
          if (depth == 0)
            {
              set_bad_data (error, "latest.yml", line, _("it is not a list"));
              ok = FALSE;
            }
          else if (depth == 1)
            {
              set_bad_data (error, "latest.yml", line, _("a record is not a mapping"));
              ok = FALSE;
            }
          else if (depth == 2 && event.type == YAML_SCALAR_EVENT)
            {
              const char *value = (const char *) event.data.scalar.value;

              if (key == NULL)
                key = g_strdup (value);
              else
                {
                  char **field = yaml_row_field (&row, key);

                  /* a plain "null" or "~" is no value */
                  if (field != NULL && event.data.scalar.style == YAML_PLAIN_SCALAR_STYLE
                      && (g_str_equal (value, "null") || g_str_equal (value, "~") || value[0] == '\0'))
                    field = NULL;
                  if (field != NULL)
                    take_string (field, g_strdup (value));
                  g_clear_pointer (&key, g_free);
                }
            }
          else if (depth == 2)
            g_clear_pointer (&key, g_free);
          break;
        default:
          break;
        }
      yaml_event_delete (&event);
    }
  yaml_parser_delete (&parser);
  yaml_row_clear (&row);
  if (!ok)
    return NULL;
  if (!in_list)
    {
      set_bad_data (error, "latest.yml", 1, _("it is not a list"));
      return NULL;
    }
  /* a bad row in the middle is one odd record; at the end, the file was cut */
  if (last_problem != NULL)
    {
      set_bad_data (error, "latest.yml", last_problem_line, last_problem);
      return NULL;
    }
  return g_steal_pointer (&records);
}

gboolean
ub_rom_catalog_load_latest (UbRomCatalog  *self,
                            GBytes        *yaml,
                            GError       **error)
{
  g_autoptr(GPtrArray) records = NULL;

  g_return_val_if_fail (UB_IS_ROM_CATALOG (self), FALSE);
  g_return_val_if_fail (yaml != NULL, FALSE);
  records = parse_latest (yaml, error);
  if (records == NULL)
    return FALSE;
  merge_records (self, records, TRUE);
  return TRUE;
}

/* ---- HyperData's devices/<codename>.json (json-glib) */

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static void
set_bad_history (GError    **error,
                 const char *problem)
{
  /* TRANSLATORS: "The ROM history (houji.json) is damaged: …" */
  g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_DATA,
               _("The ROM history is damaged: %s"), problem);
}

static gboolean
parse_history_branch (JsonObject  *branch,
                      GPtrArray   *records,
                      GError     **error)
{
  static const char * const not_files[] = { "os", "android", "release", "aspatch", NULL };
  const char *codename = member_string (branch, "branchCode");
  const char *branchtag = member_string (branch, "branchtag");
  const char *idtag = member_string (branch, "idtag");
  const char *tag = member_string (branch, "tag");
  const char *ep = member_string (branch, "ep");
  const char *model = NULL;
  JsonNode *roms_node = json_object_get_member (branch, "roms");
  JsonNode *device = json_object_get_member (branch, "device");
  JsonObject *roms;
  UbRomBranch rom_branch = UB_ROM_BRANCH_STABLE;
  UbRomEdition edition = UB_ROM_EDITION_NONE;
  g_autoptr(GList) versions = NULL;

  if (codename == NULL || roms_node == NULL || !JSON_NODE_HOLDS_OBJECT (roms_node))
    {
      set_bad_history (error, _("a branch has no code or no ROM list"));
      return FALSE;
    }
  if (device != NULL && JSON_NODE_HOLDS_OBJECT (device))
    model = member_string (json_node_get_object (device), "en");
  /* "F" stable, "X" DEV; the tags tell a demo branch ("CNDM", "CnOD") */
  if ((branchtag != NULL && g_str_equal (branchtag, "X")) || (idtag != NULL && g_str_equal (idtag, "Dev")))
    rom_branch = UB_ROM_BRANCH_BETA;
  if (tag != NULL && g_str_has_suffix (tag, "DM"))
    edition |= UB_ROM_EDITION_DEMO;
  if (ep != NULL && g_str_equal (ep, "1"))
    edition |= UB_ROM_EDITION_ENTERPRISE;

  roms = json_node_get_object (roms_node);
  versions = json_object_get_members (roms);
  for (GList *l = versions; l != NULL; l = l->next)
    {
      JsonNode *rom_node = json_object_get_member (roms, l->data);
      JsonObject *rom;
      g_autoptr(GList) keys = NULL;
      const char *release, *android;

      if (!JSON_NODE_HOLDS_OBJECT (rom_node))
        {
          set_bad_history (error, _("a ROM entry is not an object"));
          return FALSE;
        }
      rom = json_node_get_object (rom_node);
      release = member_string (rom, "release");
      android = member_string (rom, "android");
      keys = json_object_get_members (rom);
      for (GList *k = keys; k != NULL; k = k->next)
        {
          const char *key = k->data;
          const char *file = member_string (rom, key);
          Record *r;

          if (file == NULL || file[0] == '\0' || g_strv_contains (not_files, key))
            continue;
          r = record_new (codename, file, l->data);
          if (r == NULL)
            continue;
          if (records->len >= MAX_RECORDS)
            {
              record_free (r);
              set_bad_history (error, _("too many records"));
              return FALSE;
            }
          if (g_str_equal (key, "recovery"))
            r->package = UB_ROM_PACKAGE_RECOVERY;
          else if (g_str_equal (key, "fastboot"))
            r->package = UB_ROM_PACKAGE_FASTBOOT;
          else
            r->edition |= UB_ROM_EDITION_CARRIER;  /* "ctelecom" …: a carrier's build */
          r->edition |= edition;
          if (rom_branch > r->branch)
            r->branch = rom_branch;
          if (r->date == NULL && release != NULL)
            r->date = g_strdup (release);
          if (r->android == NULL && android != NULL)
            r->android = g_strdup (android);
          r->model_name = g_strdup (model);
          g_ptr_array_add (records, r);
        }
    }
  return TRUE;
}

static GPtrArray *
parse_history (GBytes  *json,
               GError **error)
{
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) record_free);
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *root, *branches;
  gsize size;
  const char *data = g_bytes_get_data (json, &size);

  if (size > MAX_HISTORY_SIZE)
    {
      g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_DATA,
                   _("The ROM history is larger than %u MiB; refusing it"),
                   (guint) (MAX_HISTORY_SIZE / (1024 * 1024)));
      return NULL;
    }
  if (size == 0 || !ub_online_json_depth_ok (data, size, MAX_DEPTH))
    {
      set_bad_history (error, size == 0 ? _("it is empty") : _("nested too deeply"));
      return NULL;
    }
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, (gssize) size, &local_error))
    {
      /* json-glib quotes the input, cut anywhere (even inside a character) */
      g_autofree char *message = g_utf8_make_valid (local_error->message, -1);

      set_bad_history (error, message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      set_bad_history (error, _("it is not an object"));
      return NULL;
    }
  branches = json_object_get_member (json_node_get_object (root), "branches");
  if (branches == NULL || !JSON_NODE_HOLDS_ARRAY (branches))
    {
      set_bad_history (error, _("it has no list of branches"));
      return NULL;
    }
  for (guint i = 0; i < json_array_get_length (json_node_get_array (branches)); i++)
    {
      JsonNode *branch = json_array_get_element (json_node_get_array (branches), i);

      if (!JSON_NODE_HOLDS_OBJECT (branch))
        {
          set_bad_history (error, _("a branch is not an object"));
          return NULL;
        }
      if (!parse_history_branch (json_node_get_object (branch), records, error))
        return NULL;
    }
  return g_steal_pointer (&records);
}

gboolean
ub_rom_catalog_load_history (UbRomCatalog  *self,
                             GBytes        *json,
                             GError       **error)
{
  g_autoptr(GPtrArray) records = NULL;

  g_return_val_if_fail (UB_IS_ROM_CATALOG (self), FALSE);
  g_return_val_if_fail (json != NULL, FALSE);
  records = parse_history (json, error);
  if (records == NULL)
    return FALSE;
  merge_records (self, records, FALSE);
  return TRUE;
}

/* ---- queries */

/* The catalog codename's region words after "<product>_" */
static const struct { const char *word; UbRomRegion region; } suffix_regions[] = {
  { "eea", UB_ROM_REGION_EEA }, { "in", UB_ROM_REGION_INDIA }, { "ru", UB_ROM_REGION_RUSSIA },
  { "id", UB_ROM_REGION_INDONESIA }, { "tr", UB_ROM_REGION_TURKEY }, { "tw", UB_ROM_REGION_TAIWAN },
  { "jp", UB_ROM_REGION_JAPAN }, { "kr", UB_ROM_REGION_KOREA },
};

/*
 * Whether catalog @codename belongs to @product: equal (China), or
 * "<product>_global", "<product>_<region>[_<edition words>]_global",
 * "<product>_demo", "<product>_ep" … The region and any special edition.
 */
static gboolean
codename_matches (const char   *codename,
                  const char   *product,
                  UbRomRegion  *region,
                  UbRomEdition *edition)
{
  gsize plen = strlen (product);
  g_auto(GStrv) words = NULL;
  guint n, first = 0;

  *region = UB_ROM_REGION_CHINA;
  *edition = UB_ROM_EDITION_NONE;
  if (strncmp (codename, product, plen) != 0)
    return FALSE;
  if (codename[plen] == '\0')
    return TRUE;
  if (codename[plen] != '_')
    return FALSE;
  words = g_strsplit (codename + plen + 1, "_", -1);
  n = g_strv_length (words);
  /* editions first: "houji_demo", "houji_ep_global" */
  while (first < n && (g_str_equal (words[first], "demo") || g_str_equal (words[first], "ep")))
    {
      *edition |= g_str_equal (words[first], "demo") ? UB_ROM_EDITION_DEMO : UB_ROM_EDITION_ENTERPRISE;
      first++;
    }
  if (first == n)
    return TRUE;
  if (!g_str_equal (words[n - 1], "global"))
    return FALSE;
  if (first == n - 1)
    {
      *region = UB_ROM_REGION_GLOBAL;
      return TRUE;
    }
  /* the first word must be a region: "dandelion_c3l2_id_global" is not dandelion's */
  *region = UB_ROM_REGION_UNKNOWN;
  for (gsize i = 0; i < G_N_ELEMENTS (suffix_regions); i++)
    if (g_str_equal (words[first], suffix_regions[i].word))
      *region = suffix_regions[i].region;
  if (*region == UB_ROM_REGION_UNKNOWN)
    return FALSE;
  for (guint i = first + 1; i < n - 1; i++)
    {
      if (g_str_equal (words[i], "demo"))
        *edition |= UB_ROM_EDITION_DEMO;
      else if (g_str_equal (words[i], "ep"))
        *edition |= UB_ROM_EDITION_ENTERPRISE;
      else
        *edition |= UB_ROM_EDITION_CARRIER;  /* "curtana_in_rf_global": a special edition */
    }
  return TRUE;
}

/* Numbers compared as numbers: "OS3.0.303.0" > "OS3.0.7.0". */
static int
compare_versions (const char *a,
                  const char *b)
{
  while (*a != '\0' && *b != '\0')
    {
      if (g_ascii_isdigit (*a) && g_ascii_isdigit (*b))
        {
          char *ea, *eb;
          guint64 na = g_ascii_strtoull (a, &ea, 10);
          guint64 nb = g_ascii_strtoull (b, &eb, 10);

          if (na != nb)
            return na < nb ? -1 : 1;
          a = ea;
          b = eb;
        }
      else
        {
          if (*a != *b)
            return *a < *b ? -1 : 1;
          a++;
          b++;
        }
    }
  return (*a != '\0') - (*b != '\0');
}

static int
compare_releases (gconstpointer pa,
                  gconstpointer pb)
{
  UbRomRelease *a = *(UbRomRelease * const *) pa;
  UbRomRelease *b = *(UbRomRelease * const *) pb;
  int c = g_strcmp0 (ub_rom_release_get_date (b), ub_rom_release_get_date (a));

  if (c != 0)
    return c;
  c = compare_versions (ub_rom_release_get_version (b), ub_rom_release_get_version (a));
  if (c != 0)
    return c;
  if (ub_rom_release_get_region (a) != ub_rom_release_get_region (b))
    return (int) ub_rom_release_get_region (a) - (int) ub_rom_release_get_region (b);
  return g_strcmp0 (ub_rom_release_get_file_name (a), ub_rom_release_get_file_name (b));
}

static UbRomRelease *
release_from_record (const Record *r,
                     const char   *product,
                     UbRomRegion   region,
                     UbRomEdition  edition)
{
  UbRomRelease *release = ub_rom_release_new (r->codename, product, region, r->version, r->file_name);

  ub_rom_release_set_android (release, r->android);
  ub_rom_release_set_date (release, r->date);
  ub_rom_release_set_branch (release, r->branch);
  ub_rom_release_set_edition (release, r->edition | edition);
  ub_rom_release_set_package (release, r->package);
  ub_rom_release_set_model_name (release, r->model_name);
  ub_rom_release_set_size (release, r->size, r->size_exact);
  ub_rom_release_set_md5 (release, r->md5);
  ub_rom_release_set_md5_prefix (release, r->md5_prefix);
  ub_rom_release_set_link (release, r->link);
  return release;
}

GPtrArray *
ub_rom_catalog_find (UbRomCatalog    *self,
                     const char      *product,
                     UbRomQueryFlags  flags)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GPtrArray *result = g_ptr_array_new_with_free_func (g_object_unref);
  UbRomPackage package = (flags & UB_ROM_QUERY_RECOVERY) ? UB_ROM_PACKAGE_RECOVERY : UB_ROM_PACKAGE_FASTBOOT;
  g_autofree char *product_down = NULL;
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (UB_IS_ROM_CATALOG (self), result);
  if (product == NULL || product[0] == '\0')
    return result;
  product_down = g_ascii_strdown (product, -1);

  g_mutex_lock (&self->mutex);
  g_hash_table_iter_init (&iter, self->records);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      const Record *r = value;
      UbRomRegion region, build_region;
      UbRomEdition edition;

      if (!codename_matches (r->codename, product_down, &region, &edition))
        continue;
      if (r->package != package)
        continue;
      if (r->size != 0 && r->size < MIN_SIZE)
        continue;
      if (!(flags & UB_ROM_QUERY_BETA) && r->branch != UB_ROM_BRANCH_STABLE)
        continue;
      if (!(flags & UB_ROM_QUERY_SPECIAL) && (r->edition | edition) != UB_ROM_EDITION_NONE)
        continue;
      build_region = ub_rom_region_from_build_code (r->region_code);
      if (r->region_code != NULL && build_region != region)
        {
          g_debug ("%s: catalog %s is %s, its build says %s; skipped", r->file_name, r->codename,
                   ub_rom_region_to_key (region), r->region_code);
          continue;
        }
      g_ptr_array_add (found, release_from_record (r, product_down, region, edition));
    }
  g_mutex_unlock (&self->mutex);

  g_ptr_array_sort (found, compare_releases);
  for (guint i = 0; i < found->len; i++)
    {
      UbRomRelease *release = g_ptr_array_index (found, i);
      g_autofree char *key = NULL;

      /* the same build twice (another build date, another codename) is a duplicate;
       * without HISTORY only the newest per region, branch and edition */
      if (flags & UB_ROM_QUERY_HISTORY)
        key = g_strdup_printf ("%u/%s/%u", (guint) ub_rom_release_get_region (release),
                               ub_rom_release_get_version (release), (guint) ub_rom_release_get_edition (release));
      else
        key = g_strdup_printf ("%u/%u/%u", (guint) ub_rom_release_get_region (release),
                               (guint) ub_rom_release_get_branch (release),
                               (guint) ub_rom_release_get_edition (release));
      if (g_hash_table_contains (seen, key))
        continue;
      g_hash_table_add (seen, g_steal_pointer (&key));
      g_ptr_array_add (result, g_object_ref (release));
    }
  return result;
}

UbRomRelease *
ub_rom_catalog_find_latest (UbRomCatalog    *self,
                            const char      *product,
                            UbRomRegion      region,
                            UbRomQueryFlags  flags)
{
  g_autoptr(GPtrArray) found = NULL;

  g_return_val_if_fail (UB_IS_ROM_CATALOG (self), NULL);
  found = ub_rom_catalog_find (self, product, flags & ~UB_ROM_QUERY_HISTORY);
  for (guint i = 0; i < found->len; i++)
    {
      UbRomRelease *release = g_ptr_array_index (found, i);

      if (ub_rom_release_get_region (release) == region)
        return g_object_ref (release);
    }
  return NULL;
}

char *
ub_rom_catalog_dup_model_name (UbRomCatalog *self,
                               const char   *product)
{
  static const char * const region_words[] = {
    "Global", "EEA", "Europe", "China", "India", "Russia", "Indonesia", "Turkey", "Taiwan",
    "Japan", "Korea", "International", NULL
  };
  g_autofree char *product_down = NULL;
  g_autofree char *name = NULL;
  UbRomRegion best = UB_ROM_REGION_UNKNOWN;
  GHashTableIter iter;
  gpointer value;
  char *space;

  g_return_val_if_fail (UB_IS_ROM_CATALOG (self), NULL);
  if (product == NULL)
    return NULL;
  product_down = g_ascii_strdown (product, -1);
  g_mutex_lock (&self->mutex);
  g_hash_table_iter_init (&iter, self->records);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      const Record *r = value;
      UbRomRegion region;
      UbRomEdition edition;

      if (r->model_name == NULL || !codename_matches (r->codename, product_down, &region, &edition)
          || edition != UB_ROM_EDITION_NONE)
        continue;
      /* the Global name first, then China's, then any (in a stable order) */
      if (name == NULL
          || (region == UB_ROM_REGION_GLOBAL && best != UB_ROM_REGION_GLOBAL)
          || (region == UB_ROM_REGION_CHINA && best != UB_ROM_REGION_GLOBAL && best != UB_ROM_REGION_CHINA)
          || (region == best && strcmp (r->model_name, name) < 0))
        {
          take_string (&name, g_strdup (r->model_name));
          best = region;
        }
    }
  g_mutex_unlock (&self->mutex);
  if (name == NULL)
    return NULL;
  g_strstrip (name);
  space = strrchr (name, ' ');
  if (space != NULL && g_strv_contains (region_words, space + 1))
    {
      *space = '\0';
      g_strchomp (name);
    }
  return g_steal_pointer (&name);
}

/* ---- update */

static char *
history_file_url (const char *history_url,
                  const char *product)
{
  if (g_str_has_suffix (history_url, "/"))
    return g_strconcat (history_url, product, ".json", NULL);
  return g_strconcat (history_url, "/", product, ".json", NULL);
}

gboolean
ub_rom_catalog_update (UbRomCatalog  *self,
                       const char    *product,
                       UbProgress    *progress,
                       GCancellable  *cancellable,
                       GError       **error)
{
  g_autofree char *latest_url = NULL;
  g_autofree char *history_url = NULL;
  g_autofree char *cache_dir = NULL;
  g_autofree char *latest_path = NULL;
  g_autoptr(GBytes) latest = NULL;
  g_autoptr(GDateTime) fetched = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean offline = FALSE;
  GTimeSpan max_age;

  g_return_val_if_fail (UB_IS_ROM_CATALOG (self), FALSE);

  g_mutex_lock (&self->mutex);
  latest_url = g_strdup (self->latest_url);
  history_url = g_strdup (self->history_url);
  cache_dir = g_strdup (self->cache_dir);
  max_age = self->max_age;
  g_mutex_unlock (&self->mutex);

  /* it names a file in the cache and on the server */
  if (product != NULL && product[0] != '\0'
      && product[strspn (product, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")] != '\0')
    {
      g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_FAILED, _("“%s” is not a phone model"), product);
      return FALSE;
    }
  if (progress != NULL)
    {
      ub_progress_add_step (progress, 1, _("Fetching the ROM catalog"));
      ub_progress_add_step (progress, 1, _("Fetching the ROM history"));
    }
  if (g_mkdir_with_parents (cache_dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_FAILED,
                   _("Could not create the folder %s: %s"), cache_dir, g_strerror (saved_errno));
      return FALSE;
    }

  if (latest_url == NULL || latest_url[0] == '\0')
    {
      g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_URL, _("No ROM catalog address is set"));
      return FALSE;
    }
  latest_path = g_build_filename (cache_dir, "latest.yml", NULL);
  latest = ub_cached_fetch (NULL, latest_url, latest_path, max_age, MAX_LATEST_SIZE,
                            &fetched, &offline, cancellable, error);
  if (latest == NULL)
    return FALSE;
  records = parse_latest (latest, error);
  if (records == NULL)
    {
      ub_cached_fetch_discard (latest_path);
      return FALSE;
    }
  g_mutex_lock (&self->mutex);
  self->offline = offline;
  g_clear_pointer (&self->fetched, g_date_time_unref);
  self->fetched = fetched != NULL ? g_date_time_ref (fetched) : NULL;
  g_mutex_unlock (&self->mutex);
  merge_records (self, records, TRUE);
  if (progress != NULL)
    ub_progress_step_done (progress);

  if (product != NULL && product[0] != '\0' && history_url != NULL && history_url[0] != '\0')
    {
      g_autofree char *product_down = g_ascii_strdown (product, -1);
      g_autofree char *url = NULL;
      g_autofree char *dir = g_build_filename (cache_dir, "history", NULL);
      g_autofree char *file = g_strconcat (product_down, ".json", NULL);
      g_autofree char *path = g_build_filename (dir, file, NULL);
      g_autoptr(GBytes) history = NULL;
      g_autoptr(GPtrArray) older = NULL;
      gboolean history_offline = FALSE;

      url = history_file_url (history_url, product_down);
      g_mkdir_with_parents (dir, 0700);
      history = ub_cached_fetch (NULL, url, path, max_age, MAX_HISTORY_SIZE, NULL,
                                 &history_offline, cancellable, &local_error);
      if (history != NULL)
        older = parse_history (history, &local_error);
      if (older != NULL)
        merge_records (self, older, FALSE);
      else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      else
        {
          /* only older versions are missing: not an error */
          if (history != NULL)
            ub_cached_fetch_discard (path);
          g_debug ("history of %s: %s", product_down, local_error->message);
        }
      if (history_offline)
        {
          g_mutex_lock (&self->mutex);
          self->offline = TRUE;
          g_mutex_unlock (&self->mutex);
        }
    }
  if (progress != NULL)
    ub_progress_step_done (progress);
  return TRUE;
}

static void
update_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GPtrArray *args = task_data;  /* product, progress */
  GError *error = NULL;

  if (ub_rom_catalog_update (source, g_ptr_array_index (args, 0), g_ptr_array_index (args, 1),
                             cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
update_args_free (GPtrArray *args)
{
  g_free (g_ptr_array_index (args, 0));
  g_clear_object ((UbProgress **) &g_ptr_array_index (args, 1));
  g_ptr_array_unref (args);
}

void
ub_rom_catalog_update_async (UbRomCatalog        *self,
                             const char          *product,
                             UbProgress          *progress,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GPtrArray *args;

  g_return_if_fail (UB_IS_ROM_CATALOG (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ub_rom_catalog_update_async);
  args = g_ptr_array_new ();
  g_ptr_array_add (args, g_strdup (product));
  g_ptr_array_add (args, progress != NULL ? g_object_ref (progress) : NULL);
  g_task_set_task_data (task, args, (GDestroyNotify) update_args_free);
  g_task_run_in_thread (task, update_thread);
}

gboolean
ub_rom_catalog_update_finish (UbRomCatalog  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
