/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "ub-miota-crypto.h"
#include "ub-online-error.h"
#include "ub-online-util.h"
#include "ub-online-uri.h"
#include "ub-update-server-private.h"

#define DEFAULT_CN_URL   "https://update.miui.com/updates/miotaV3.php"
#define DEFAULT_INTL_URL "https://update.intl.miui.com/updates/miotaV3.php"
#define SERVER_PATH      "/updates/miotaV3.php"
/* What Xiaomi's own Mi Assistant (MiTunes) sends; the server expects it. */
#define USER_AGENT       "MiTunes_UserAgent_v3.0"
#define MAX_DEPTH        32
#define TIMEOUT_SECONDS  60

/* ---- UbUpdateQuery */

G_DEFINE_BOXED_TYPE (UbUpdateQuery, ub_update_query,
                     ub_update_query_copy, ub_update_query_free)

UbUpdateQuery *
ub_update_query_new (void)
{
  return g_new0 (UbUpdateQuery, 1);
}

UbUpdateQuery *
ub_update_query_copy (const UbUpdateQuery *query)
{
  UbUpdateQuery *copy = g_new0 (UbUpdateQuery, 1);

  copy->device = g_strdup (query->device);
  copy->version = g_strdup (query->version);
  copy->serial = g_strdup (query->serial);
  copy->codebase = g_strdup (query->codebase);
  copy->branch = g_strdup (query->branch);
  copy->language = g_strdup (query->language);
  copy->region = g_strdup (query->region);
  copy->zone = g_strdup (query->zone);
  return copy;
}

void
ub_update_query_free (UbUpdateQuery *query)
{
  if (query == NULL)
    return;
  g_free (query->device);
  g_free (query->version);
  g_free (query->serial);
  g_free (query->codebase);
  g_free (query->branch);
  g_free (query->language);
  g_free (query->region);
  g_free (query->zone);
  g_free (query);
}

static const char *
or_empty (const char *s)
{
  return s != NULL ? s : "";
}

static gint64
zone_number (const char *zone)
{
  guint64 value = 0;

  if (zone == NULL || !g_ascii_string_to_unsigned (zone, 10, 0, G_MAXINT, &value, NULL))
    return 2; /* international, as the tools default */
  return (gint64) value;
}

char *
ub_update_query_to_json (const UbUpdateQuery *query,
                         const char          *pkg_md5)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  const char *language = query->language != NULL && query->language[0] != '\0'
                         ? query->language : "en-US";

  /* Field order as Mi Assistant tools send it. */
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "d");
  json_builder_add_string_value (builder, or_empty (query->device));
  json_builder_set_member_name (builder, "v");
  json_builder_add_string_value (builder, or_empty (query->version));
  json_builder_set_member_name (builder, "c");
  json_builder_add_string_value (builder, or_empty (query->codebase));
  json_builder_set_member_name (builder, "b");
  json_builder_add_string_value (builder, or_empty (query->branch));
  json_builder_set_member_name (builder, "sn");
  json_builder_add_string_value (builder, or_empty (query->serial));
  json_builder_set_member_name (builder, "l");
  json_builder_add_string_value (builder, language);
  json_builder_set_member_name (builder, "f");
  json_builder_add_string_value (builder, "1");
  json_builder_set_member_name (builder, "options");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "zone");
  json_builder_add_int_value (builder, zone_number (query->zone));
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "pkg");
  json_builder_add_string_value (builder, or_empty (pkg_md5));
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

/* ---- UbUpdateRom */

struct _UbUpdateRom
{
  GObject parent_instance;
  char   *kind;
  char   *filename;
  char   *version;
  char   *md5;
  char   *codebase;
  char   *branch;
  char   *name;
  char   *size_text;
  guint64 size_hint;
};

G_DEFINE_FINAL_TYPE (UbUpdateRom, ub_update_rom, G_TYPE_OBJECT)

static void
ub_update_rom_finalize (GObject *object)
{
  UbUpdateRom *self = UB_UPDATE_ROM (object);

  g_free (self->kind);
  g_free (self->filename);
  g_free (self->version);
  g_free (self->md5);
  g_free (self->codebase);
  g_free (self->branch);
  g_free (self->name);
  g_free (self->size_text);
  G_OBJECT_CLASS (ub_update_rom_parent_class)->finalize (object);
}

static void
ub_update_rom_class_init (UbUpdateRomClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ub_update_rom_finalize;
}

static void
ub_update_rom_init (UbUpdateRom *self)
{
}

const char *ub_update_rom_get_kind (UbUpdateRom *self) { return self->kind; }
const char *ub_update_rom_get_filename (UbUpdateRom *self) { return self->filename; }
const char *ub_update_rom_get_version (UbUpdateRom *self) { return self->version; }
const char *ub_update_rom_get_md5 (UbUpdateRom *self) { return self->md5; }
const char *ub_update_rom_get_codebase (UbUpdateRom *self) { return self->codebase; }
const char *ub_update_rom_get_branch (UbUpdateRom *self) { return self->branch; }
const char *ub_update_rom_get_name (UbUpdateRom *self) { return self->name; }
const char *ub_update_rom_get_size_text (UbUpdateRom *self) { return self->size_text; }
guint64 ub_update_rom_get_size_hint (UbUpdateRom *self) { return self->size_hint; }

gboolean
ub_update_rom_get_is_current (UbUpdateRom *self)
{
  return g_strcmp0 (self->kind, "CurrentRom") == 0;
}

char **
ub_update_rom_dup_urls (UbUpdateRom        *self,
                        const char * const *mirrors)
{
  g_autofree char *escaped_version = g_uri_escape_string (self->version, NULL, FALSE);
  g_autofree char *escaped_name = g_uri_escape_string (self->filename, NULL, FALSE);
  g_autofree char *path = g_strdup_printf ("%s/%s", escaped_version, escaped_name);

  return ub_online_mirror_urls (mirrors, path);
}

/* "4.1G", "850M", "123456" → bytes (binary units; approximate). */
static guint64
parse_size (const char *text)
{
  char *end = NULL;
  double value;

  if (text == NULL)
    return 0;
  value = g_ascii_strtod (text, &end);
  if (end == text || !(value > 0) || value > 1e15)
    return 0;
  while (*end == ' ')
    end++;
  switch (g_ascii_toupper (*end))
    {
    case 'G': value *= 1024.0 * 1024.0 * 1024.0; break;
    case 'M': value *= 1024.0 * 1024.0; break;
    case 'K': value *= 1024.0; break;
    case '\0': case 'B': break;
    default: return 0;
    }
  return (guint64) value;
}

/* ---- UbRomApproval */

struct _UbRomApproval
{
  GObject  parent_instance;
  char    *md5;
  char    *token;
  gboolean erase;
  char    *filename;
  char    *version;
};

G_DEFINE_FINAL_TYPE (UbRomApproval, ub_rom_approval, G_TYPE_OBJECT)

static void
ub_rom_approval_finalize (GObject *object)
{
  UbRomApproval *self = UB_ROM_APPROVAL (object);

  g_free (self->md5);
  g_free (self->token);
  g_free (self->filename);
  g_free (self->version);
  G_OBJECT_CLASS (ub_rom_approval_parent_class)->finalize (object);
}

static void
ub_rom_approval_class_init (UbRomApprovalClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ub_rom_approval_finalize;
}

static void
ub_rom_approval_init (UbRomApproval *self)
{
}

const char *ub_rom_approval_get_md5 (UbRomApproval *self) { return self->md5; }
const char *ub_rom_approval_get_token (UbRomApproval *self) { return self->token; }
gboolean ub_rom_approval_get_erase (UbRomApproval *self) { return self->erase; }
const char *ub_rom_approval_get_filename (UbRomApproval *self) { return self->filename; }
const char *ub_rom_approval_get_version (UbRomApproval *self) { return self->version; }

/* ---- parsing the decrypted answer */

static JsonParser *
parse_object (const char  *json,
              gsize        len,
              JsonObject **object,
              GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  parser = json_parser_new_immutable ();
  if (len == 0 || len > UB_UPDATE_SERVER_MAX_ANSWER ||
      !ub_online_json_depth_ok (json, len, MAX_DEPTH) ||
      !g_utf8_validate (json, (gssize) len, NULL) ||
      !json_parser_load_from_data (parser, json, (gssize) len, &local_error) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return ub_update_server_bad_answer (error, "not JSON");
  *object = json_node_get_object (root);
  return g_steal_pointer (&parser);
}

/* A member as text: strings as they are, numbers printed; else NULL. */
static char *
member_text (JsonObject *object,
             const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  type = json_node_get_value_type (node);
  if (type == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  if (type == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  if (type == G_TYPE_DOUBLE)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      return g_strdup (g_ascii_dtostr (buf, sizeof buf, json_node_get_double (node)));
    }
  if (type == G_TYPE_BOOLEAN)
    return g_strdup (json_node_get_boolean (node) ? "1" : "0");
  return NULL;
}

static JsonObject *
member_object (JsonObject *object,
               const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* 32 hex digits → lower case; else NULL. */
static char *
valid_md5 (const char *text)
{
  return ub_online_is_md5 (text) ? g_ascii_strdown (text, -1) : NULL;
}

static gboolean
nonempty (const char *s)
{
  return s != NULL && s[0] != '\0';
}

static UbUpdateRom *
rom_from_object (JsonObject *object,
                 const char *kind)
{
  g_autoptr(UbUpdateRom) rom = NULL;
  g_autofree char *md5_text = member_text (object, "md5");
  g_autofree char *md5 = valid_md5 (md5_text);
  g_autofree char *filename = member_text (object, "filename");
  g_autofree char *version = member_text (object, "version");

  /* A ROM the host cannot download and check is no offer. File names and
   * versions become URL parts and file names: no path separators. */
  if (md5 == NULL || !nonempty (filename) || !nonempty (version)
      || strchr (filename, '/') != NULL || strchr (version, '/') != NULL
      || strcmp (filename, "..") == 0 || strcmp (version, "..") == 0
      || strcmp (filename, ".") == 0 || strcmp (version, ".") == 0)
    return NULL;

  rom = g_object_new (UB_TYPE_UPDATE_ROM, NULL);
  rom->kind = g_strdup (kind);
  rom->md5 = g_steal_pointer (&md5);
  rom->filename = g_steal_pointer (&filename);
  rom->version = g_steal_pointer (&version);
  rom->codebase = member_text (object, "codebase");
  rom->branch = member_text (object, "branch");
  rom->name = member_text (object, "name");
  rom->size_text = member_text (object, "filesize");
  rom->size_hint = parse_size (rom->size_text);
  return g_steal_pointer (&rom);
}

static void
add_roms (GPtrArray  *roms,
          JsonObject *root,
          const char *kind)
{
  JsonNode *node = json_object_get_member (root, kind);
  g_autoptr(GPtrArray) objects = g_ptr_array_new ();

  if (node == NULL)
    return;
  if (JSON_NODE_HOLDS_OBJECT (node))
    g_ptr_array_add (objects, json_node_get_object (node));
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_OBJECT (element))
            g_ptr_array_add (objects, json_node_get_object (element));
        }
    }

  for (guint i = 0; i < objects->len; i++)
    {
      g_autoptr(UbUpdateRom) rom = rom_from_object (objects->pdata[i], kind);
      gboolean seen = FALSE;

      if (rom == NULL)
        continue;
      for (guint j = 0; j < roms->len && !seen; j++)
        seen = strcmp (ub_update_rom_get_md5 (roms->pdata[j]), rom->md5) == 0;
      if (!seen)
        g_ptr_array_add (roms, g_steal_pointer (&rom));
    }
}

GPtrArray *
ub_update_server_parse_roms (const char  *json,
                             gsize        len,
                             GError     **error)
{
  /* The one the phone runs first, then the newest, then other branches.
   * IncrementRom (an OTA from the current version) is not offered: Mi
   * Assistant installs full packages only. */
  static const char * const kinds[] = { "CurrentRom", "LatestRom", "CrossRom", NULL };
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GPtrArray) roms = g_ptr_array_new_with_free_func (g_object_unref);
  JsonObject *root = NULL;

  parser = parse_object (json, len, &root, error);
  if (parser == NULL)
    return NULL;
  for (gsize i = 0; kinds[i] != NULL; i++)
    add_roms (roms, root, kinds[i]);
  return g_steal_pointer (&roms);
}

UbRomApproval *
ub_update_server_parse_approval (const char  *json,
                                 gsize        len,
                                 const char  *md5,
                                 GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(UbRomApproval) approval = NULL;
  JsonObject *root = NULL, *pkg;
  g_autofree char *token = NULL;
  g_autofree char *erase = NULL;
  g_autofree char *pkg_md5_text = NULL;

  parser = parse_object (json, len, &root, error);
  if (parser == NULL)
    return NULL;

  pkg = member_object (root, "PkgRom");
  token = member_text (pkg, "Validate");
  if (!nonempty (token))
    {
      g_autofree char *message = member_text (member_object (root, "Code"), "message");

      if (nonempty (message))
        {
          /* The server's words, cut to a readable length and made valid text. */
          g_autofree char *valid = g_utf8_make_valid (message, -1);
          g_autofree char *shown = g_utf8_strlen (valid, -1) > 200
                                   ? g_utf8_substring (valid, 0, 200) : g_strdup (valid);

          g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_REFUSED,
                       /* TRANSLATORS: %s: the server's own message, in its language */
                       _("Xiaomi’s update server did not approve this package for this phone: "
                         "“%s”"), g_strstrip (shown));
        }
      else
        g_set_error_literal (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_REFUSED,
                             _("Xiaomi’s update server did not approve this package for this "
                               "phone."));
      return NULL;
    }

  approval = g_object_new (UB_TYPE_ROM_APPROVAL, NULL);
  approval->token = g_steal_pointer (&token);
  erase = member_text (pkg, "Erase");
  approval->erase = erase != NULL && strcmp (erase, "0") != 0 && erase[0] != '\0';
  pkg_md5_text = member_text (pkg, "md5");
  approval->md5 = valid_md5 (pkg_md5_text);
  if (approval->md5 == NULL)
    approval->md5 = md5 != NULL ? g_ascii_strdown (md5, -1) : NULL;
  approval->filename = member_text (pkg, "filename");
  approval->version = member_text (pkg, "version");
  return g_steal_pointer (&approval);
}

/* ---- UbUpdateServer */

struct _UbUpdateServer
{
  GObject parent_instance;
  GMutex  lock;
  char   *cn_url;
  char   *intl_url;
};

G_DEFINE_FINAL_TYPE (UbUpdateServer, ub_update_server, G_TYPE_OBJECT)

static void
ub_update_server_finalize (GObject *object)
{
  UbUpdateServer *self = UB_UPDATE_SERVER (object);

  g_free (self->cn_url);
  g_free (self->intl_url);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (ub_update_server_parent_class)->finalize (object);
}

static void
ub_update_server_class_init (UbUpdateServerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ub_update_server_finalize;
}

static char *
setting_url (GSettings  *settings,
             const char *key,
             const char *fallback)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autofree char *value = NULL;

  if (settings != NULL)
    {
      g_object_get (settings, "settings-schema", &schema, NULL);
      if (g_settings_schema_has_key (schema, key))
        value = g_settings_get_string (settings, key);
    }
  if (value == NULL || value[0] == '\0')
    return g_strdup (fallback);
  return g_steal_pointer (&value);
}

static void
ub_update_server_init (UbUpdateServer *self)
{
  const char *env = g_getenv ("UNBRICK_UPDATE_SERVER");

  g_mutex_init (&self->lock);
  if (env != NULL && env[0] != '\0')
    ub_update_server_set_base_url (self, env);
  else
    {
      g_autoptr(GSettings) settings = ub_online_settings_new ();

      self->cn_url = setting_url (settings, "update-server-cn", DEFAULT_CN_URL);
      self->intl_url = setting_url (settings, "update-server-intl", DEFAULT_INTL_URL);
    }
}

UbUpdateServer *
ub_update_server_new (void)
{
  return g_object_new (UB_TYPE_UPDATE_SERVER, NULL);
}

void
ub_update_server_set_urls (UbUpdateServer *self,
                           const char     *cn_url,
                           const char     *intl_url)
{
  g_return_if_fail (UB_IS_UPDATE_SERVER (self));

  g_mutex_lock (&self->lock);
  g_free (self->cn_url);
  g_free (self->intl_url);
  self->cn_url = g_strdup (cn_url != NULL ? cn_url : DEFAULT_CN_URL);
  self->intl_url = g_strdup (intl_url != NULL ? intl_url : DEFAULT_INTL_URL);
  g_mutex_unlock (&self->lock);
}

void
ub_update_server_set_base_url (UbUpdateServer *self,
                               const char     *base)
{
  gsize len;
  char *url;

  g_return_if_fail (UB_IS_UPDATE_SERVER (self));
  g_return_if_fail (base != NULL);

  len = strlen (base);
  while (len > 0 && base[len - 1] == '/')
    len--;
  url = g_strdup_printf ("%.*s" SERVER_PATH, (int) len, base);
  g_mutex_lock (&self->lock);
  g_free (self->cn_url);
  g_free (self->intl_url);
  self->cn_url = url;
  self->intl_url = g_strdup (url);
  g_mutex_unlock (&self->lock);
}

const char *
ub_update_server_get_url (UbUpdateServer *self,
                          const char     *zone)
{
  g_return_val_if_fail (UB_IS_UPDATE_SERVER (self), NULL);

  /* ROM zone 1 is China; every other zone is served by the international host. */
  return g_strcmp0 (zone, "1") == 0 ? self->cn_url : self->intl_url;
}

static GBytes *
read_bounded (GInputStream  *stream,
              gsize          max_size,
              GCancellable  *cancellable,
              GError       **error)
{
  g_autoptr(GByteArray) data = g_byte_array_new ();
  guint8 buffer[16384];

  for (;;)
    {
      gssize n = g_input_stream_read (stream, buffer, sizeof buffer, cancellable, error);

      if (n < 0)
        return NULL;
      if (n == 0)
        break;
      if (data->len + (gsize) n > max_size)
        {
          return ub_update_server_bad_answer (error, "too large");
        }
      g_byte_array_append (data, buffer, (guint) n);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&data));
}

/* One request: encrypt, POST, read, decrypt. Returns the answer's JSON text. */
static char *
post (UbUpdateServer      *self,
      const UbUpdateQuery *query,
      const char          *pkg,
      gsize               *out_len,
      GCancellable        *cancellable,
      GError             **error)
{
  g_autofree char *url = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autofree char *json = ub_update_query_to_json (query, pkg);
  g_autofree char *cipher = ub_miota_encrypt (json, strlen (json));
  g_autofree char *escaped = g_uri_escape_string (cipher, NULL, FALSE);
  g_autofree char *form = g_strdup_printf ("q=%s&t=&s=1", escaped);
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *text = NULL;
  const char *host;
  guint status;

  g_mutex_lock (&self->lock);
  url = g_strdup (ub_update_server_get_url (self, query->zone));
  g_mutex_unlock (&self->lock);

  uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL)
    {
      g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_BAD_URL,
                   /* TRANSLATORS: %s: an address */
                   _("The update server address “%s” is not valid."), url);
      return NULL;
    }
  if (!ub_online_uri_check (uri, url, error))
    return NULL;
  host = g_uri_get_host (uri);
  g_debug ("update server %s: %s", url, json);

  session = soup_session_new_with_options ("user-agent", USER_AGENT,
                                           "timeout", TIMEOUT_SECONDS,
                                           NULL);
  msg = soup_message_new_from_uri (SOUP_METHOD_POST, uri);
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  {
    gsize form_len = strlen (form);
    g_autoptr(GBytes) request = g_bytes_new_take (g_steal_pointer (&form), form_len);
    soup_message_set_request_body_from_bytes (msg, "application/x-www-form-urlencoded",
                                              request);
  }

  stream = soup_session_send (session, msg, cancellable, &local_error);
  if (stream == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NETWORK,
                   /* TRANSLATORS: %s: a server's name, then a technical reason */
                   _("Could not reach Xiaomi’s update server %s: %s"),
                   host, local_error->message);
      return NULL;
    }
  status = soup_message_get_status (msg);
  if (status != SOUP_STATUS_OK)
    {
      const char *reason = soup_message_get_reason_phrase (msg);

      g_input_stream_close (stream, NULL, NULL);
      g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NETWORK,
                   /* TRANSLATORS: %s: a server's name; HTTP %u %s: its answer, e.g.
                    * “HTTP 404 Not Found”, in English */
                   _("Xiaomi’s update server %s did not answer (HTTP %u %s). Try again "
                     "later."), host, status, reason != NULL ? reason : "");
      return NULL;
    }

  body = read_bounded (stream, UB_UPDATE_SERVER_MAX_ANSWER, cancellable, &local_error);
  g_input_stream_close (stream, NULL, NULL);
  if (body == NULL)
    {
      if (local_error->domain == UB_ONLINE_ERROR
          || g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_NETWORK,
                     _("Could not reach Xiaomi’s update server %s: %s"),
                     host, local_error->message);
      return NULL;
    }

  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  if (strlen (text) != g_bytes_get_size (body))
    {
      return ub_update_server_bad_answer (error, "not base64");
    }
  return ub_miota_decrypt (text, UB_UPDATE_SERVER_MAX_ANSWER, out_len, error);
}

GPtrArray *
ub_update_server_list_roms (UbUpdateServer      *self,
                            const UbUpdateQuery *query,
                            GCancellable        *cancellable,
                            GError             **error)
{
  g_autofree char *answer = NULL;
  gsize len = 0;

  g_return_val_if_fail (UB_IS_UPDATE_SERVER (self), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  answer = post (self, query, "", &len, cancellable, error);
  if (answer == NULL)
    return NULL;
  g_debug ("update server answer: %s", answer);
  return ub_update_server_parse_roms (answer, len, error);
}

UbRomApproval *
ub_update_server_approve (UbUpdateServer      *self,
                          const UbUpdateQuery *query,
                          const char          *md5,
                          GCancellable        *cancellable,
                          GError             **error)
{
  g_autofree char *answer = NULL;
  g_autofree char *md5_lower = NULL;
  gsize len = 0;

  g_return_val_if_fail (UB_IS_UPDATE_SERVER (self), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  md5_lower = valid_md5 (md5);
  if (md5_lower == NULL)
    {
      g_set_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_CHECKSUM,
                   /* TRANSLATORS: %s: what was given as an MD5 */
                   _("“%s” is not an MD5 checksum (32 hexadecimal digits)."), md5);
      return NULL;
    }
  answer = post (self, query, md5_lower, &len, cancellable, error);
  if (answer == NULL)
    return NULL;
  g_debug ("update server answer: %s", answer);
  return ub_update_server_parse_approval (answer, len, md5_lower, error);
}

/* ---- async: the blocking calls on a worker thread */

typedef struct {
  UbUpdateQuery *query;
  char          *md5;
} TaskData;

static void
task_data_free (TaskData *data)
{
  ub_update_query_free (data->query);
  g_free (data->md5);
  g_free (data);
}

static void
list_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  TaskData *data = task_data;
  GError *error = NULL;
  GPtrArray *roms = ub_update_server_list_roms (source, data->query, cancellable, &error);

  if (roms == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, roms, (GDestroyNotify) g_ptr_array_unref);
}

static void
approve_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  TaskData *data = task_data;
  GError *error = NULL;
  UbRomApproval *approval = ub_update_server_approve (source, data->query, data->md5,
                                                      cancellable, &error);

  if (approval == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, approval, g_object_unref);
}

static void
run (UbUpdateServer      *self,
     const UbUpdateQuery *query,
     const char          *md5,
     GTaskThreadFunc      func,
     gpointer             source_tag,
     GCancellable        *cancellable,
     GAsyncReadyCallback  callback,
     gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  TaskData *data = g_new0 (TaskData, 1);

  data->query = ub_update_query_copy (query);
  data->md5 = g_strdup (md5);
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, data, (GDestroyNotify) task_data_free);
  g_task_run_in_thread (task, func);
}

void
ub_update_server_list_roms_async (UbUpdateServer      *self,
                                  const UbUpdateQuery *query,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (UB_IS_UPDATE_SERVER (self));
  g_return_if_fail (query != NULL);

  run (self, query, NULL, list_thread, ub_update_server_list_roms_async,
       cancellable, callback, user_data);
}

GPtrArray *
ub_update_server_list_roms_finish (UbUpdateServer  *self,
                                   GAsyncResult    *result,
                                   GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
ub_update_server_approve_async (UbUpdateServer      *self,
                                const UbUpdateQuery *query,
                                const char          *md5,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (UB_IS_UPDATE_SERVER (self));
  g_return_if_fail (query != NULL);

  run (self, query, md5, approve_thread, ub_update_server_approve_async,
       cancellable, callback, user_data);
}

UbRomApproval *
ub_update_server_approve_finish (UbUpdateServer  *self,
                                 GAsyncResult    *result,
                                 GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
