// The plugin's client part for NocoBase's classic client (/admin): the settings page,
// the mail page with the user's mailboxes, the envelope in the top bar, the "Emails"
// block that shows the mail exchanged with a record, and "Mail merge" in a table's actions.
import { Plugin, useApp } from '@nocobase/client';
import React from 'react';
import { Navigate } from 'react-router-dom';
import { NS, resources, tval } from './locale';
import { MailPage } from './mail/MailPage';
import { ClassicEmailsBlock, ClassicEmailsBlockInitializer, classicEmailsBlockSettings } from './record/ClassicEmailsBlock';
import { EmailsBlockModel } from './record/EmailsBlockModel';
import { ClassicMailMergeInitializer, classicMailMergeSettings, useEmailManagerMailMergeProps } from './campaigns/ClassicMailMerge';
import { MailMergeActionModel } from './campaigns/MailMergeActionModel';
import { ProviderSettings } from './settings/ProviderSettings';
import { EmailShortcutProvider, MAIL_PATH } from './Shortcut';
import { registerWorkflow } from './workflow/definitions';

const SETTINGS_KEY = 'email-manager';

/** Where the plugin card's "Settings" goes: the settings page. */
function ToSettings() {
  const app = useApp();
  return <Navigate to={app.pluginSettingsManager.getRoutePath(SETTINGS_KEY)} replace />;
}

export class PluginEmailManagerClient extends Plugin {
  async load() {
    for (const [lang, strings] of Object.entries(resources)) {
      this.app.i18n.addResources(lang, NS, strings);
    }
    this.app.pluginSettingsManager.add(SETTINGS_KEY, {
      title: tval('Email manager'),
      icon: 'MailOutlined',
      Component: ProviderSettings,
      aclSnippet: 'pm.email-manager',
    });
    // The plugin manager's card links "Settings" only to a page registered under the
    // plugin's own name (the package name, for a plugin outside @nocobase): that name
    // leads to the page above, and stays out of the settings menu.
    const ownName = this.options && this.options.name;
    if (ownName && ownName !== SETTINGS_KEY) {
      this.app.pluginSettingsManager.add(ownName, {
        title: tval('Email manager'),
        icon: 'MailOutlined',
        Component: ToSettings,
        aclSnippet: 'pm.email-manager',
        isTopLevel: false,
      });
    }
    this.app.router.add('admin.email-manager', { path: MAIL_PATH, Component: MailPage });
    this.app.use(EmailShortcutProvider);
    // Modern (v2) pages: listed under "Add block" → "Other blocks".
    this.flowEngine.registerModels({ EmailsBlockModel });
    // Modern (v2) table blocks: "Mail merge" among the block's actions.
    this.flowEngine.registerModels({ MailMergeActionModel });
    // Classic (v1) pages: listed in a record popup's "Add block" → "Other blocks".
    this.app.addComponents({ EmailManagerEmailsBlock: ClassicEmailsBlock, ClassicEmailsBlockInitializer });
    this.app.schemaSettingsManager.add(classicEmailsBlockSettings);
    this.app.schemaInitializerManager.addItem('popup:common:addBlock', 'otherBlocks.emailManagerEmails', {
      title: tval('Emails'),
      Component: 'ClassicEmailsBlockInitializer',
    });
    // Classic (v1) table blocks: "Configure actions → Mail merge".
    this.app.addComponents({ ClassicMailMergeInitializer });
    this.app.addScopes({ useEmailManagerMailMergeProps });
    this.app.schemaSettingsManager.add(classicMailMergeSettings);
    this.app.schemaInitializerManager.addItem('table:configureActions', 'customize.emailManagerMailMerge', {
      title: tval('Mail merge'),
      Component: 'ClassicMailMergeInitializer',
      name: 'emailManagerMailMerge',
    });
    // Workflows (when NocoBase's workflow plugin is enabled): the triggers "Email
    // received" and "Email sent", the node "Send email".
    registerWorkflow(this.app);
  }
}

export default PluginEmailManagerClient;
