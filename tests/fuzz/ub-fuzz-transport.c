/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "ub-fastboot-error.h"
#include "ub-fuzz-transport.h"

/* far more than any target sends: a bound, not a limit the fuzzer meets */
#define MAX_WRITTEN (64 * 1024 * 1024)

struct _UbFuzzTransport
{
  GObject       parent_instance;
  const guint8 *data;
  gsize         len;
  gsize         pos;
  guint64       written;
  gboolean      closed;
  GHashTable   *answers;   /* getvar name → value, or NULL */
  char         *pending;   /* the answer to the last getvar */
};

static void ub_fuzz_transport_iface_init (UbTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (UbFuzzTransport, ub_fuzz_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (UB_TYPE_TRANSPORT,
                                                      ub_fuzz_transport_iface_init))

static gboolean
fuzz_write (UbTransport *transport, const guint8 *buf, gsize len, guint stall_timeout_ms,
            GCancellable *cancellable, GError **error)
{
  UbFuzzTransport *self = UB_FUZZ_TRANSPORT (transport);

  if (self->closed)
    {
      g_set_error_literal (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NO_DEVICE, "closed");
      return FALSE;
    }
  /* the transport contract: never a zero-length packet */
  g_assert_cmpuint (len, >, 0);
  /* touch both ends, so a sanitizer sees a caller's buffer shorter than @len */
  {
    volatile guint8 sink = buf[0] ^ buf[len - 1];
    (void) sink;
  }
  self->written += len;
  if (self->answers != NULL && len > 7 && memcmp (buf, "getvar:", 7) == 0)
    {
      g_autofree char *name = g_strndup ((const char *) buf + 7, len - 7);
      const char *value = g_hash_table_lookup (self->answers, name);

      g_free (self->pending);
      self->pending = value != NULL ? g_strconcat ("OKAY", value, NULL)
                                    : g_strdup ("FAILGetVar Variable Not found");
    }
  else if (self->answers != NULL)
    {
      g_free (self->pending);
      self->pending = g_strdup ("OKAY");
    }
  if (self->written > MAX_WRITTEN)
    g_error ("fuzz: the client wrote more than %d bytes", MAX_WRITTEN);
  return TRUE;
}

static gssize
fuzz_read (UbTransport *transport, guint8 *buf, gsize len, guint timeout_ms,
           GCancellable *cancellable, GError **error)
{
  UbFuzzTransport *self = UB_FUZZ_TRANSPORT (transport);
  gsize want, n;

  if (self->closed)
    {
      g_set_error_literal (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NO_DEVICE, "closed");
      return -1;
    }
  if (self->pending != NULL)
    {
      g_autofree char *packet = g_steal_pointer (&self->pending);

      n = MIN (strlen (packet), len);
      memcpy (buf, packet, n);
      return n;
    }
  if (self->pos >= self->len)
    {
      g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_TIMEOUT,
                   "The device did not answer within %u seconds", (timeout_ms + 999) / 1000);
      return -1;
    }
  want = self->data[self->pos++];
  want = MIN (want, self->len - self->pos);
  n = MIN (want, len);
  memcpy (buf, self->data + self->pos, n);
  self->pos += want;
  return n;
}

static void
fuzz_close (UbTransport *transport)
{
  UB_FUZZ_TRANSPORT (transport)->closed = TRUE;
}

static const char *
fuzz_describe (UbTransport *transport)
{
  return "fuzz";
}

static void
ub_fuzz_transport_iface_init (UbTransportInterface *iface)
{
  iface->write = fuzz_write;
  iface->read = fuzz_read;
  iface->close = fuzz_close;
  iface->describe = fuzz_describe;
}

static void
ub_fuzz_transport_finalize (GObject *object)
{
  UbFuzzTransport *self = UB_FUZZ_TRANSPORT (object);

  g_clear_pointer (&self->answers, g_hash_table_unref);
  g_free (self->pending);
  G_OBJECT_CLASS (ub_fuzz_transport_parent_class)->finalize (object);
}

static void
ub_fuzz_transport_class_init (UbFuzzTransportClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ub_fuzz_transport_finalize;
}

static void
ub_fuzz_transport_init (UbFuzzTransport *self)
{
}

UbFuzzTransport *
ub_fuzz_transport_new (const guint8 *data, gsize len)
{
  UbFuzzTransport *self = g_object_new (UB_TYPE_FUZZ_TRANSPORT, NULL);

  self->data = data;
  self->len = len;
  return self;
}

guint64
ub_fuzz_transport_get_written (UbFuzzTransport *self)
{
  return self->written;
}

gboolean
ub_fuzz_transport_is_drained (UbFuzzTransport *self)
{
  return self->pos >= self->len;
}

void
ub_fuzz_transport_reopen (UbFuzzTransport *self)
{
  self->closed = FALSE;
}

void
ub_fuzz_transport_set_answers (UbFuzzTransport *self,
                               GHashTable      *answers)
{
  g_clear_pointer (&self->answers, g_hash_table_unref);
  self->answers = answers != NULL ? g_hash_table_ref (answers) : NULL;
}
