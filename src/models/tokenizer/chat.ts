/**
 * Chat templates: the model's own Jinja template (from tokenizer_config.json or
 * chat_template.jinja) rendered with @huggingface/jinja, as transformers' `apply_chat_template`
 * renders it (`messages`, `add_generation_prompt`, `tools`, and the special token strings).
 * A pure function of its inputs.
 */
import { Template } from '@huggingface/jinja';
import { ConfigError } from '../../util/errors.js';

export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export interface ChatTemplateOptions {
  /** End with the opening of an assistant turn, for generation (default false). */
  addGenerationPrompt?: boolean;
  /** Tool (function) descriptions in the OpenAI JSON shape, for templates that take them. */
  tools?: readonly Record<string, unknown>[];
}

export class ChatTemplate {
  private readonly template: Template;

  /** `source` is the template text; `specials` the token strings templates may use; `where` names the file in errors. */
  constructor(
    readonly source: string,
    private readonly specials: { bos_token: string; eos_token: string; pad_token: string },
    private readonly where: string,
  ) {
    try {
      this.template = new Template(source);
    } catch (e) {
      throw new ConfigError(`${where}: the chat template does not parse (${(e as Error).message})`);
    }
  }

  render(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): string {
    try {
      return this.template.render({
        messages: messages.map((m) => ({ role: m.role, content: m.content })),
        add_generation_prompt: options.addGenerationPrompt ?? false,
        ...(options.tools !== undefined ? { tools: options.tools.map((t) => ({ ...t })) } : {}),
        ...this.specials,
      });
    } catch (e) {
      // Template errors (raise_exception, a role the template refuses) never quote message contents.
      throw new ConfigError(`${this.where}: the chat template failed to render (${(e as Error).message.slice(0, 200)})`);
    }
  }
}
