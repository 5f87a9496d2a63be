"""The email connector and its operations.

This module imports only pydantic, the core and the models, so discovery stays cheap: each
operation names its implementation, imported when the operation first runs (aiosmtplib,
Jinja2, imaplib and poplib load then). IMAP and POP3 are synchronous (imaplib, poplib): the
runtime runs them in worker threads.
"""

from __future__ import annotations

from tasklink.core import Connector

from ._apa._errors import APA_ERRORS
from ._apa._models import ApaSendEmail
from ._camunda._models import CamundaEmailRequest
from ._errors import ERRORS
from ._mailbox_models import (
    FolderList,
    ImapFolders,
    ImapList,
    ImapMark,
    ImapMessage,
    ImapMessageList,
    ImapMove,
    ImapRead,
    ImapSearch,
    ImapSelect,
    ImapUpdated,
    Pop3Deleted,
    Pop3List,
    Pop3Message,
    Pop3MessageList,
    Pop3Read,
    Pop3Select,
)
from ._models import SendEmail, SendResult

__all__ = ["apa", "camunda", "connector"]

connector = Connector(
    id="io.tasklink.email",
    name="email",
    title="Email",
    job_type="tasklink:email:1",
    description="Send email with SMTP; list, search, read, move and delete with IMAP and POP3",
    package=__package__,
    documentation_url="https://github.com/tasklink/tasklink/blob/main/docs/connectors/email.md",
    # 2: caCertificate names the shared default store (certifi or SSL_CERT_FILE).
    template_version=2,
    keywords=("email", "smtp", "imap", "pop3", "mail"),
    errors=ERRORS,
)

connector.operation(
    "send",
    name="Send email (SMTP)",
    description="Send a message with text and/or HTML body, attachments and optional templates",
    target="._send:send_email",
    input_model=SendEmail,
    output_model=SendResult,
)
connector.operation(
    "imap_folders",
    name="List folders (IMAP)",
    description="List the folders of an IMAP account",
    target="._imap_ops:list_folders",
    input_model=ImapFolders,
    output_model=FolderList,
)
connector.operation(
    "imap_list",
    name="List messages (IMAP)",
    description="List the newest messages of a folder, optionally only unseen ones",
    target="._imap_ops:list_messages",
    input_model=ImapList,
    output_model=ImapMessageList,
)
connector.operation(
    "imap_search",
    name="Search messages (IMAP)",
    description="Find messages by sender, recipient, subject, body text, dates and seen state",
    target="._imap_ops:search_messages",
    input_model=ImapSearch,
    output_model=ImapMessageList,
)
connector.operation(
    "imap_read",
    name="Read message (IMAP)",
    description="Read one message: headers, text, HTML and attachments",
    target="._imap_ops:read_message",
    input_model=ImapRead,
    output_model=ImapMessage,
)
connector.operation(
    "imap_move",
    name="Move message (IMAP)",
    description="Move a message to another folder",
    target="._imap_ops:move_message",
    input_model=ImapMove,
    output_model=ImapUpdated,
)
connector.operation(
    "imap_delete",
    name="Delete message (IMAP)",
    description="Delete a message permanently (flag as deleted and expunge it)",
    target="._imap_ops:delete_message",
    input_model=ImapSelect,
    output_model=ImapUpdated,
)
connector.operation(
    "imap_mark",
    name="Mark message (IMAP)",
    description="Mark a message as seen (read) or unseen",
    target="._imap_ops:mark_message",
    input_model=ImapMark,
    output_model=ImapUpdated,
)
connector.operation(
    "pop3_list",
    name="List messages (POP3)",
    description="List the newest messages of a POP3 mailbox",
    target="._pop3_ops:list_messages",
    input_model=Pop3List,
    output_model=Pop3MessageList,
)
connector.operation(
    "pop3_read",
    name="Read message (POP3)",
    description="Read one message by its unique id, optionally deleting it afterwards",
    target="._pop3_ops:read_message",
    input_model=Pop3Read,
    output_model=Pop3Message,
)
connector.operation(
    "pop3_delete",
    name="Delete message (POP3)",
    description="Delete one message by its unique id",
    target="._pop3_ops:delete_message",
    input_model=Pop3Select,
    output_model=Pop3Deleted,
)


# --- the vendors' e-mail connectors, served by this one (when the operator turns them on) ---

camunda = connector.vendor_contract(
    engine="camunda",
    name="camunda-email",
    job_type="io.camunda:email:1",
    title="Camunda Email",
    description="Camunda's e-mail connector: its ten SMTP, IMAP and POP3 operations with "
    "its discriminators, inputs and results, run by this connector",
    documentation_url="https://docs.camunda.io/docs/components/connectors/out-of-the-box-connectors/email/",
    errors=ERRORS,
)
camunda.operation(
    "email",
    name="Email",
    description="The operation protocol and data.<protocol>ActionDiscriminator choose",
    target="._camunda._run:run",
    input_model=CamundaEmailRequest,
    output_model=None,
)

# Named ``email`` like APA's e-mail connector instances usually are (its documentation's
# ``email-connector``, the issue's ``email``). Our own connector is ``email`` too: once the
# operator turns the contract on, ``email.SEND`` takes APA's inputs (the runtime lets a
# served contract answer the name), and ``vendor_names`` gives it the project's instance
# names (``{"email": ["email-connector"]}``).
apa = connector.vendor_contract(
    engine="activiti",
    name="email",
    title="Alfresco Process Automation Email",
    description="APA's e-mail connector: SEND with its inputs, its connection configuration "
    "(EMAIL_HOST...) and its error codes, run by this connector",
    documentation_url="https://docs.alfresco.com/process-automation/latest/model/connectors/email/",
    errors=APA_ERRORS,
)
apa.operation(
    "send",
    name="Send",
    description="Send an e-mail over SMTP with the configured server",
    target="._apa._send:send",
    input_model=ApaSendEmail,
    output_model=None,
)
