/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The fake of Xiaomi's update server (see the header). The miotaV3
 * encryption is written here again on purpose, independently of
 * src/online: a misunderstanding shared with the client could not show.
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <openssl/evp.h>
#include <string.h>

#include "ub-emu-update-server.h"
#include "ub-emu-xiaomi-key.h"

#define SERVER_PATH "/updates/miotaV3.php"
#define MAX_REQUEST (256 * 1024)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_CIPHER_CTX, EVP_CIPHER_CTX_free)

typedef struct {
  char    *device;
  char    *filename;
  char    *version;
  char    *codebase;
  char    *md5;
  char    *sha1;
  guint64  size;
  gboolean erase;
} Rom;

struct _UbEmuUpdateServer
{
  GObject       parent_instance;

  GMutex        lock;          /* guards everything below but the loop */
  GPtrArray    *roms;          /* Rom*, in the order added */
  char         *refusal;
  gboolean      garbage;
  guint         requests;
  char         *last_request;

  char         *url;
  GMainContext *context;       /* the server's thread */
  GMainLoop    *loop;
  GThread      *thread;
  SoupServer   *server;
};

G_DEFINE_FINAL_TYPE (UbEmuUpdateServer, ub_emu_update_server, G_TYPE_OBJECT)

static void
rom_free (Rom *rom)
{
  g_free (rom->device);
  g_free (rom->filename);
  g_free (rom->version);
  g_free (rom->codebase);
  g_free (rom->md5);
  g_free (rom->sha1);
  g_free (rom);
}

/* ---- crypto: AES-128-CBC, key "miuiotavalided11", IV "0102030405060708" */

static const guchar key[16] = { 'm','i','u','i','o','t','a','v','a','l','i','d','e','d','1','1' };
static const guchar iv[16] = { '0','1','0','2','0','3','0','4','0','5','0','6','0','7','0','8' };

static char *
encrypt_text (const char *plain)
{
  g_autoptr(EVP_CIPHER_CTX) ctx = EVP_CIPHER_CTX_new ();
  gsize len = strlen (plain);
  g_autofree guchar *out = g_malloc (len + 32);
  int n = 0, tail = 0;

  if (ctx == NULL
      || !EVP_EncryptInit_ex (ctx, EVP_aes_128_cbc (), NULL, key, iv)
      || !EVP_EncryptUpdate (ctx, out, &n, (const guchar *) plain, (int) len)
      || !EVP_EncryptFinal_ex (ctx, out + n, &tail))
    g_error ("emulated update server: AES failed");
  return g_base64_encode (out, (gsize) (n + tail));
}

/* NULL when not base64 of a whole number of blocks with valid padding. */
static char *
decrypt_text (const char *base64)
{
  g_autoptr(EVP_CIPHER_CTX) ctx = EVP_CIPHER_CTX_new ();
  g_autofree guchar *cipher = NULL;
  g_autofree char *plain = NULL;
  gsize len = 0;
  int n = 0, tail = 0;

  for (const char *p = base64; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '+' && *p != '/' && *p != '=')
      return NULL;
  cipher = g_base64_decode (base64, &len);
  if (len == 0 || len % 16 != 0 || len > MAX_REQUEST)
    return NULL;
  plain = g_malloc (len + 17);
  if (ctx == NULL
      || !EVP_DecryptInit_ex (ctx, EVP_aes_128_cbc (), NULL, key, iv)
      || !EVP_DecryptUpdate (ctx, (guchar *) plain, &n, cipher, (int) len)
      || !EVP_DecryptFinal_ex (ctx, (guchar *) plain + n, &tail))
    return NULL;
  plain[n + tail] = '\0';
  if (strlen (plain) != (gsize) (n + tail))
    return NULL;
  return g_steal_pointer (&plain);
}

/* ---- answers */

/* Versions compared with their numbers as numbers (V14.0.10.0 > V14.0.9.0). */
static int
version_compare (const char *a,
                 const char *b)
{
  while (*a != '\0' && *b != '\0')
    {
      if (g_ascii_isdigit (*a) && g_ascii_isdigit (*b))
        {
          char *end_a, *end_b;
          guint64 x = g_ascii_strtoull (a, &end_a, 10);
          guint64 y = g_ascii_strtoull (b, &end_b, 10);

          if (x != y)
            return x < y ? -1 : 1;
          a = end_a;
          b = end_b;
          continue;
        }
      if (*a != *b)
        return (guchar) *a < (guchar) *b ? -1 : 1;
      a++;
      b++;
    }
  return *a != '\0' ? 1 : *b != '\0' ? -1 : 0;
}

static const char *
string_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    return "";
  return json_node_get_string (node);
}

/* options.zone: an int (as the tools send it) or a string */
static char *
request_zone (JsonObject *request)
{
  JsonNode *options = json_object_get_member (request, "options");
  JsonNode *zone;

  if (options == NULL || !JSON_NODE_HOLDS_OBJECT (options))
    return g_strdup ("");
  zone = json_object_get_member (json_node_get_object (options), "zone");
  if (zone == NULL || !JSON_NODE_HOLDS_VALUE (zone))
    return g_strdup ("");
  if (json_node_get_value_type (zone) == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (zone));
  if (json_node_get_value_type (zone) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (zone));
  return g_strdup ("");
}

static void
add_rom_object (JsonBuilder *builder,
                const char  *kind,
                const Rom   *rom)
{
  g_autofree char *size = g_strdup_printf ("%.1fM", (double) rom->size / (1024.0 * 1024.0));

  json_builder_set_member_name (builder, kind);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "bigversion");
  json_builder_add_string_value (builder, "14");
  json_builder_set_member_name (builder, "branch");
  json_builder_add_string_value (builder, "F");
  json_builder_set_member_name (builder, "codebase");
  json_builder_add_string_value (builder, rom->codebase != NULL ? rom->codebase : "");
  json_builder_set_member_name (builder, "device");
  json_builder_add_string_value (builder, rom->device);
  json_builder_set_member_name (builder, "filename");
  json_builder_add_string_value (builder, rom->filename);
  json_builder_set_member_name (builder, "filesize");
  json_builder_add_string_value (builder, size);
  json_builder_set_member_name (builder, "md5");
  json_builder_add_string_value (builder, rom->md5);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, "MIUI 14");
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "F");
  json_builder_set_member_name (builder, "version");
  json_builder_add_string_value (builder, rom->version);
  json_builder_set_member_name (builder, "isBeta");
  json_builder_add_int_value (builder, 0);
  json_builder_end_object (builder);
}

static void
add_code (JsonBuilder *builder,
          const char  *code,
          const char  *message)
{
  json_builder_set_member_name (builder, "Code");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
}

/* The answer's JSON for @request (the lock held). */
static char *
answer_for (UbEmuUpdateServer *self,
            JsonObject        *request)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  const char *device = string_member (request, "d");
  const char *version = string_member (request, "v");
  const char *serial = string_member (request, "sn");
  const char *pkg = string_member (request, "pkg");
  g_autofree char *zone = request_zone (request);

  json_builder_begin_object (builder);
  if (pkg[0] == '\0')
    {
      const Rom *current = NULL, *latest = NULL;

      for (guint i = 0; i < self->roms->len; i++)
        {
          const Rom *rom = self->roms->pdata[i];

          if (strcmp (rom->device, device) != 0)
            continue;
          if (strcmp (rom->version, version) == 0)
            current = rom;
          if (latest == NULL || version_compare (rom->version, latest->version) > 0)
            latest = rom;
        }
      if (current != NULL)
        add_rom_object (builder, "CurrentRom", current);
      if (latest != NULL)
        add_rom_object (builder, "LatestRom", latest);
      if (latest != NULL)
        add_code (builder, "000000", "Success");
      else
        add_code (builder, "2001", "Unknown device");
    }
  else if (self->refusal != NULL)
    add_code (builder, "2001", self->refusal);
  else
    {
      const Rom *found = NULL;

      for (guint i = 0; i < self->roms->len && found == NULL; i++)
        {
          const Rom *rom = self->roms->pdata[i];

          if (strcmp (rom->device, device) == 0 && g_ascii_strcasecmp (rom->md5, pkg) == 0)
            found = rom;
        }
      if (found == NULL)
        add_code (builder, "2001", "Package not found for this device");
      else
        {
          g_autoptr(GError) error = NULL;
          g_autofree char *token = ub_emu_token_sign (serial, version, zone,
                                                      found->sha1, &error);

          if (token == NULL)
            {
              g_warning ("emulated update server: %s", error->message);
              add_code (builder, "5000", "Signing failed");
            }
          else
            {
              add_code (builder, "000000", "Success");
              json_builder_set_member_name (builder, "PkgRom");
              json_builder_begin_object (builder);
              json_builder_set_member_name (builder, "md5");
              json_builder_add_string_value (builder, found->md5);
              json_builder_set_member_name (builder, "filename");
              json_builder_add_string_value (builder, found->filename);
              json_builder_set_member_name (builder, "version");
              json_builder_add_string_value (builder, found->version);
              json_builder_set_member_name (builder, "Erase");
              json_builder_add_string_value (builder, found->erase ? "1" : "0");
              json_builder_set_member_name (builder, "Validate");
              json_builder_add_string_value (builder, token);
              json_builder_end_object (builder);
            }
        }
    }
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

static void
set_text (SoupServerMessage *msg,
          guint              status,
          char              *text)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_TAKE,
                                    text, strlen (text));
}

static void
handle_request (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  UbEmuUpdateServer *self = user_data;
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *form_text = NULL;
  g_autoptr(GHashTable) form = NULL;
  g_autofree char *plain = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  const char *q;
  char *answer;

  if (strcmp (soup_server_message_get_method (msg), SOUP_METHOD_POST) != 0
      || strcmp (path, SERVER_PATH) != 0)
    {
      set_text (msg, SOUP_STATUS_NOT_FOUND, g_strdup ("not found"));
      return;
    }
  bytes = soup_message_body_flatten (body);
  if (g_bytes_get_size (bytes) > MAX_REQUEST)
    {
      set_text (msg, SOUP_STATUS_BAD_REQUEST, g_strdup ("too large"));
      return;
    }
  form_text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  form = soup_form_decode (form_text);
  q = g_hash_table_lookup (form, "q");
  if (q == NULL || g_hash_table_lookup (form, "s") == NULL
      || (plain = decrypt_text (q)) == NULL
      || !json_parser_load_from_data (parser, plain, -1, NULL)
      || (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      set_text (msg, SOUP_STATUS_BAD_REQUEST, g_strdup ("bad request"));
      return;
    }

  g_mutex_lock (&self->lock);
  self->requests++;
  g_free (self->last_request);
  self->last_request = g_strdup (plain);
  if (self->garbage)
    answer = g_strdup ("<html>This is not what the server sends!</html>");
  else
    {
      g_autofree char *json = answer_for (self, json_node_get_object (root));
      answer = encrypt_text (json);
    }
  g_mutex_unlock (&self->lock);
  set_text (msg, SOUP_STATUS_OK, answer);
}

/* ---- thread */

static gpointer
server_thread (gpointer user_data)
{
  UbEmuUpdateServer *self = user_data;

  g_main_context_push_thread_default (self->context);
  g_main_loop_run (self->loop);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

static gboolean
quit_loop (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

gboolean
ub_emu_update_server_start (UbEmuUpdateServer  *self,
                            GError            **error)
{
  g_autoslist(GUri) uris = NULL;
  gboolean ok;

  g_return_val_if_fail (UB_IS_EMU_UPDATE_SERVER (self), FALSE);

  if (self->thread != NULL)
    return TRUE;
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  g_main_context_push_thread_default (self->context);
  self->server = soup_server_new ("server-header", "unbrick-emulator ", NULL);
  soup_server_add_handler (self->server, NULL, handle_request, self, NULL);
  ok = soup_server_listen_local (self->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, error);
  g_main_context_pop_thread_default (self->context);
  if (!ok)
    {
      g_clear_object (&self->server);
      g_clear_pointer (&self->loop, g_main_loop_unref);
      g_clear_pointer (&self->context, g_main_context_unref);
      return FALSE;
    }
  uris = soup_server_get_uris (self->server);
  g_free (self->url);
  self->url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  self->thread = g_thread_new ("unbrick-emu-update", server_thread, self);
  return TRUE;
}

void
ub_emu_update_server_stop (UbEmuUpdateServer *self)
{
  g_return_if_fail (UB_IS_EMU_UPDATE_SERVER (self));

  if (self->thread != NULL)
    {
      /* from inside the loop: a quit before the thread runs the loop is lost */
      GSource *source = g_idle_source_new ();

      g_source_set_callback (source, quit_loop, self->loop, NULL);
      g_source_attach (source, self->context);
      g_source_unref (source);
      g_thread_join (g_steal_pointer (&self->thread));
    }
  if (self->server != NULL)
    {
      g_main_context_push_thread_default (self->context);
      soup_server_disconnect (self->server);
      g_clear_object (&self->server);
      while (g_main_context_iteration (self->context, FALSE))
        ;
      g_main_context_pop_thread_default (self->context);
    }
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
}

/* ---- object */

static void
ub_emu_update_server_dispose (GObject *object)
{
  ub_emu_update_server_stop (UB_EMU_UPDATE_SERVER (object));
  G_OBJECT_CLASS (ub_emu_update_server_parent_class)->dispose (object);
}

static void
ub_emu_update_server_finalize (GObject *object)
{
  UbEmuUpdateServer *self = UB_EMU_UPDATE_SERVER (object);

  g_ptr_array_unref (self->roms);
  g_free (self->refusal);
  g_free (self->last_request);
  g_free (self->url);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (ub_emu_update_server_parent_class)->finalize (object);
}

static void
ub_emu_update_server_class_init (UbEmuUpdateServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ub_emu_update_server_dispose;
  object_class->finalize = ub_emu_update_server_finalize;
}

static void
ub_emu_update_server_init (UbEmuUpdateServer *self)
{
  g_mutex_init (&self->lock);
  self->roms = g_ptr_array_new_with_free_func ((GDestroyNotify) rom_free);
}

UbEmuUpdateServer *
ub_emu_update_server_new (void)
{
  return g_object_new (UB_TYPE_EMU_UPDATE_SERVER, NULL);
}

void
ub_emu_update_server_add_rom (UbEmuUpdateServer *self,
                              const char        *device,
                              const char        *filename,
                              const char        *version,
                              const char        *codebase,
                              const char        *md5_hex,
                              const char        *sha1_hex,
                              guint64            size,
                              gboolean           erase)
{
  Rom *rom = g_new0 (Rom, 1);

  g_return_if_fail (UB_IS_EMU_UPDATE_SERVER (self));

  rom->device = g_strdup (device);
  rom->filename = g_strdup (filename);
  rom->version = g_strdup (version);
  rom->codebase = g_strdup (codebase);
  rom->md5 = g_ascii_strdown (md5_hex, -1);
  rom->sha1 = g_ascii_strdown (sha1_hex, -1);
  rom->size = size;
  rom->erase = erase;
  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->roms, rom);
  g_mutex_unlock (&self->lock);
}

void
ub_emu_update_server_set_refusal (UbEmuUpdateServer *self,
                                  const char        *message)
{
  g_return_if_fail (UB_IS_EMU_UPDATE_SERVER (self));

  g_mutex_lock (&self->lock);
  g_free (self->refusal);
  self->refusal = g_strdup (message);
  g_mutex_unlock (&self->lock);
}

void
ub_emu_update_server_set_garbage (UbEmuUpdateServer *self,
                                  gboolean           garbage)
{
  g_return_if_fail (UB_IS_EMU_UPDATE_SERVER (self));

  g_mutex_lock (&self->lock);
  self->garbage = garbage;
  g_mutex_unlock (&self->lock);
}

const char *
ub_emu_update_server_get_url (UbEmuUpdateServer *self)
{
  g_return_val_if_fail (UB_IS_EMU_UPDATE_SERVER (self), NULL);
  return self->url;
}

guint
ub_emu_update_server_get_requests (UbEmuUpdateServer *self)
{
  guint requests;

  g_return_val_if_fail (UB_IS_EMU_UPDATE_SERVER (self), 0);
  g_mutex_lock (&self->lock);
  requests = self->requests;
  g_mutex_unlock (&self->lock);
  return requests;
}

char *
ub_emu_update_server_dup_last_request (UbEmuUpdateServer *self)
{
  char *request;

  g_return_val_if_fail (UB_IS_EMU_UPDATE_SERVER (self), NULL);
  g_mutex_lock (&self->lock);
  request = g_strdup (self->last_request);
  g_mutex_unlock (&self->lock);
  return request;
}
