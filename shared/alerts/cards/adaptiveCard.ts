/**
 * The Adaptive Card 1.4 elements the alert cards use, as typed JSON (the `adaptivecards` renderer
 * cannot load in Node). Builders take `Markdown` for anything a client renders as Markdown (TextBlock
 * text, Fact title and value) and a `TrustedUrl` for links, so user text reaches a card only escaped.
 */
import type { Markdown } from "./escape.js";
import type { TrustedUrl } from "./portalLink.js";

export const CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json";
/**
 * The version every card declares, on both channels: the one place that decides it. Teams Workflows'
 * "post card" action renders only 1.4 (a card declaring 1.5 "couldn't be displayed", AdaptiveCards issue
 * #8965), so webhook cards must say 1.4. The bot's cards use nothing newer either (everything in the types
 * below exists in 1.4; Table, TextBlock `style`, `rtl` and action `tooltip`/`isEnabled`/`mode` are 1.5), so
 * they say 1.4 too. A bot-only card that needs a 1.5 element would need a version per channel here.
 */
export const CARD_VERSION = "1.4";
export const ADAPTIVE_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive";

export type Spacing = "None" | "Small" | "Default" | "Medium" | "Large" | "ExtraLarge" | "Padding";
export type TextColor = "Default" | "Dark" | "Light" | "Accent" | "Good" | "Warning" | "Attention";
export type ContainerStyle = "default" | "emphasis" | "good" | "attention" | "warning" | "accent";

interface Layout {
  spacing?: Spacing;
  separator?: boolean;
}

export interface TextBlock extends Layout {
  type: "TextBlock";
  text: string;
  wrap?: boolean;
  size?: "Default" | "Small" | "Medium" | "Large" | "ExtraLarge";
  weight?: "Default" | "Lighter" | "Bolder";
  color?: TextColor;
  isSubtle?: boolean;
  fontType?: "Default" | "Monospace";
}

export interface Fact {
  title: string;
  value: string;
}

export interface FactSet extends Layout {
  type: "FactSet";
  facts: Fact[];
}

export interface Container extends Layout {
  type: "Container";
  items: CardElement[];
  style?: ContainerStyle;
}

export interface Column {
  type: "Column";
  items: CardElement[];
  width?: "auto" | "stretch";
}

export interface ColumnSet extends Layout {
  type: "ColumnSet";
  columns: Column[];
}

export interface ActionSet extends Layout {
  type: "ActionSet";
  actions: CardAction[];
}

export interface InputText extends Layout {
  type: "Input.Text";
  id: string;
  label?: string;
  placeholder?: string;
  maxLength?: number;
  isMultiline?: boolean;
  isRequired?: boolean;
  errorMessage?: string;
}

export type CardElement = TextBlock | FactSet | Container | ColumnSet | ActionSet | InputText;

export interface OpenUrlAction {
  type: "Action.OpenUrl";
  title: string;
  url: string;
}

export interface ShowCardAction {
  type: "Action.ShowCard";
  title: string;
  card: AdaptiveCard;
}

/** Bot only: Teams incoming webhooks and Workflows do not render it. */
export interface SubmitAction {
  type: "Action.Submit";
  title: string;
  data: Record<string, string | number>;
  style?: "default" | "positive" | "destructive";
}

export type CardAction = OpenUrlAction | ShowCardAction | SubmitAction;

export interface AdaptiveCard {
  type: "AdaptiveCard";
  /** Only on the top-level card; a ShowCard's card goes without. */
  $schema?: string;
  version?: string;
  /** Shown where the card cannot be (notifications, old clients). */
  fallbackText?: string;
  body: CardElement[];
  actions?: CardAction[];
}

/** What a Teams incoming webhook, a Workflows webhook and a bot's proactive message all accept. */
export interface TeamsMessage {
  type: "message";
  attachments: [{ contentType: typeof ADAPTIVE_CARD_CONTENT_TYPE; contentUrl: null; content: AdaptiveCard }];
}

export type TextOptions = Omit<TextBlock, "type" | "text">;

export function textBlock(text: Markdown, options: TextOptions = {}): TextBlock {
  return { type: "TextBlock", text: text.text, wrap: true, ...options };
}

export function fact(title: Markdown, value: Markdown): Fact {
  return { title: title.text, value: value.text };
}

export function factSet(facts: Fact[], layout: Layout = {}): FactSet {
  return { type: "FactSet", facts, ...layout };
}

export function container(items: CardElement[], options: Omit<Container, "type" | "items"> = {}): Container {
  return { type: "Container", items, ...options };
}

export function column(items: CardElement[], width: Column["width"] = "stretch"): Column {
  return { type: "Column", items, width };
}

export function columnSet(columns: Column[], layout: Layout = {}): ColumnSet {
  return { type: "ColumnSet", columns, ...layout };
}

export function actionSet(actions: CardAction[], layout: Layout = {}): ActionSet {
  return { type: "ActionSet", actions, ...layout };
}

export function inputText(id: string, options: Omit<InputText, "type" | "id"> = {}): InputText {
  return { type: "Input.Text", id, ...options };
}

export function openUrl(title: string, url: TrustedUrl): OpenUrlAction {
  return { type: "Action.OpenUrl", title, url: url.href };
}

export function showCard(title: string, card: AdaptiveCard): ShowCardAction {
  return { type: "Action.ShowCard", title, card };
}

export function submit(title: string, data: SubmitAction["data"], style?: SubmitAction["style"]): SubmitAction {
  return style ? { type: "Action.Submit", title, data, style } : { type: "Action.Submit", title, data };
}

/** The top-level card. */
export function adaptiveCard(body: CardElement[], actions: CardAction[] = [], fallbackText?: Markdown): AdaptiveCard {
  return {
    type: "AdaptiveCard",
    $schema: CARD_SCHEMA,
    version: CARD_VERSION,
    ...(fallbackText ? { fallbackText: fallbackText.text } : {}),
    body,
    ...(actions.length > 0 ? { actions } : {}),
  };
}

/** The card inside an Action.ShowCard. */
export function subCard(body: CardElement[], actions: CardAction[] = []): AdaptiveCard {
  return { type: "AdaptiveCard", body, ...(actions.length > 0 ? { actions } : {}) };
}

export function teamsMessage(card: AdaptiveCard): TeamsMessage {
  return { type: "message", attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, contentUrl: null, content: card }] };
}
