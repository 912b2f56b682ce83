// Who a "Send email" node sends as, decided when the node is saved, never taken from
// what the browser sent: the user saving it, when the mailbox is theirs; its owner, when
// an administrator picked another user's mailbox; anyone else is refused. A save with no
// user behind it (NocoBase copying a workflow into a new version) keeps what the node had.

function refusal(message) {
  return Object.assign(new Error(message), { status: 400 });
}

/** Sets `config.actAs` of a Send email node about to be saved by `currentUser`. */
async function decideSender(plugin, node, currentUser) {
  const config = { ...(node.get('config') || {}) };
  if (!currentUser) return;
  if (!config.accountId) {
    delete config.actAs;
    node.set('config', config);
    return;
  }
  const sidecar = plugin.sidecar;
  const user = { userId: currentUser.id };
  const found = await sidecar
    .call('mailAccounts:get', { as: user, query: `filterByTk=${encodeURIComponent(config.accountId)}` })
    .catch((error) => {
      throw refusal(`The email service could not check the mailbox: ${error.message}`);
    });
  const account = found && found.data;
  if (!account) throw refusal('No such mailbox, or it is not yours to send from.');
  if (Number(account.userId) !== Number(currentUser.id)) {
    // Another user's mailbox: an administrator's choice only (the sidecar says who is one).
    const admin = await sidecar
      .call('mailAccounts:list', { as: user, query: 'scope=all&pageSize=1' })
      .then(() => true, () => false);
    if (!admin) throw refusal('You can send only from your own mailboxes; an administrator can pick another user\'s.');
  }
  config.actAs = Number(account.userId);
  node.set('config', config);
}

module.exports = { decideSender };
