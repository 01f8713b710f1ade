// Shortcodes people type in chats (:smile:, :+1:, :tada:); the common Slack/GitHub names.
const table: Record<string, string> = {
  smile: "😄", smiley: "😃", grin: "😁", joy: "😂", rofl: "🤣", laughing: "😆", sweat_smile: "😅", wink: "😉",
  blush: "😊", innocent: "😇", slightly_smiling_face: "🙂", upside_down_face: "🙃", heart_eyes: "😍",
  kissing_heart: "😘", yum: "😋", stuck_out_tongue: "😛", sunglasses: "😎", thinking: "🤔", thinking_face: "🤔",
  neutral_face: "😐", expressionless: "😑", unamused: "😒", roll_eyes: "🙄", grimacing: "😬", relieved: "😌",
  pensive: "😔", sleepy: "😪", sleeping: "😴", mask: "😷", nerd_face: "🤓", confused: "😕", worried: "😟",
  open_mouth: "😮", astonished: "😲", flushed: "😳", cry: "😢", sob: "😭", scream: "😱", angry: "😠", rage: "😡",
  skull: "💀", poop: "💩", clown_face: "🤡", ghost: "👻", alien: "👽", robot: "🤖", see_no_evil: "🙈",
  wave: "👋", ok_hand: "👌", "+1": "👍", thumbsup: "👍", "-1": "👎", thumbsdown: "👎", clap: "👏", pray: "🙏",
  raised_hands: "🙌", muscle: "💪", point_up: "☝️", v: "✌️", crossed_fingers: "🤞", handshake: "🤝",
  eyes: "👀", brain: "🧠", heart: "❤️", orange_heart: "🧡", yellow_heart: "💛", green_heart: "💚",
  blue_heart: "💙", purple_heart: "💜", black_heart: "🖤", broken_heart: "💔", sparkling_heart: "💖",
  fire: "🔥", star: "⭐", sparkles: "✨", zap: "⚡", boom: "💥", tada: "🎉", confetti_ball: "🎊", gift: "🎁",
  balloon: "🎈", birthday: "🎂", cake: "🍰", coffee: "☕", tea: "🍵", beer: "🍺", beers: "🍻", wine_glass: "🍷",
  pizza: "🍕", hamburger: "🍔", apple: "🍎", sun: "☀️", sunny: "☀️", cloud: "☁️", rainbow: "🌈", snowflake: "❄️",
  umbrella: "☔", moon: "🌙", earth_africa: "🌍", rocket: "🚀", car: "🚗", house: "🏠", dog: "🐶", cat: "🐱",
  white_check_mark: "✅", heavy_check_mark: "✔️", x: "❌", warning: "⚠️", question: "❓", exclamation: "❗",
  100: "💯", bulb: "💡", lock: "🔒", key: "🔑", bell: "🔔", memo: "📝", calendar: "📅", link: "🔗", phone: "📱",
  computer: "💻", email: "📧", camera: "📷", music: "🎵", book: "📖", moneybag: "💰", hourglass: "⌛",
  trophy: "🏆", medal: "🏅", soccer: "⚽", basketball: "🏀", checkered_flag: "🏁", seedling: "🌱", rose: "🌹",
};

export function emojiFor(name: string): string | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}
