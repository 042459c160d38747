/**
 * Acute appendicitis in an adolescent or adult: migratory periumbilical to right iliac fossa pain,
 * fever, leukocytosis with neutrophilia, a dilated non-compressible appendix on ultrasound or CT,
 * laparoscopic appendectomy, discharge one to three days after surgery.
 */
import type { Draw } from '../draw.js';
import type { CaseText, PatientFacts, Scenario } from '../scenario.js';
import type { Writer } from '../text.js';

interface Facts extends PatientFacts {
  hours: number;
  vomits: number;
  /** Tenths of °C. */
  temp: number;
  heartRate: number;
  wbc: number;
  neutrophils: number;
  crp: number;
  /** Appendix diameter in mm. */
  diameter: number;
  imaging: 'ultrasound' | 'ct';
  histology: 'phlegmonous' | 'gangrenous';
  dischargeDay: number;
  /** A pregnancy test is reported for women of child-bearing age. */
  pregnancyTest: boolean;
}

function draw(d: Draw): Facts {
  const age = d.int(16, 58);
  const sex = d.chance(0.5) ? 'female' : 'male';
  const histology = d.chance(0.7) ? 'phlegmonous' : 'gangrenous';
  return {
    age,
    sex,
    hours: d.int(14, 48),
    vomits: d.int(0, 3),
    temp: d.int(380, 389),
    heartRate: d.int(92, 112),
    wbc: d.step(12500, 19800, 100),
    neutrophils: d.int(78, 90),
    crp: histology === 'gangrenous' ? d.int(90, 180) : d.int(24, 110),
    diameter: d.int(9, 14),
    imaging: d.chance(0.6) ? 'ultrasound' : 'ct',
    histology,
    dischargeDay: histology === 'gangrenous' ? d.int(2, 3) : d.int(1, 2),
    pregnancyTest: sex === 'female' && age <= 50,
  };
}

function en(f: Facts, w: Writer): CaseText {
  const pr = w.g('he', 'she');
  const Pr = w.g('He', 'She');
  const symptoms = ['anorexia and nausea but no vomiting', 'anorexia, nausea and one episode of vomiting', 'anorexia, nausea and two episodes of vomiting', 'anorexia, nausea and three episodes of vomiting'][f.vomits]!;
  const p1 = [
    `${w.Person} with no relevant medical history presented to the emergency department with ${f.hours} hours of abdominal pain.`,
    w.pick([
      `The pain had begun around the umbilicus and migrated to the right lower quadrant, with ${symptoms}.`,
      `It started as a dull periumbilical ache and then shifted to the right lower quadrant; ${pr} also reported ${symptoms}.`,
    ]),
    `${Pr} denied diarrhea and urinary symptoms.`,
  ];
  const imaging =
    f.imaging === 'ultrasound'
      ? `Abdominal ultrasound showed a non-compressible appendix ${f.diameter} mm in diameter with inflammation of the surrounding fat.`
      : `Contrast-enhanced CT of the abdomen showed a dilated appendix of ${f.diameter} mm with wall enhancement, periappendiceal fat stranding and an appendicolith.`;
  const p2 = [
    `On examination ${pr} had a temperature of ${w.dec(f.temp, 1)} °C and a heart rate of ${f.heartRate} beats per minute.`,
    `The right lower quadrant was tender with guarding, and McBurney's and Rovsing's signs were positive.`,
    `Blood tests showed a white cell count of ${w.int(f.wbc)}/µL with ${f.neutrophils}% neutrophils and a C-reactive protein of ${f.crp} mg/L; urinalysis was normal${f.pregnancyTest ? ' and a pregnancy test was negative' : ''}.`,
    imaging,
  ];
  const p3 = [
    `With a diagnosis of acute appendicitis, ${pr} received intravenous cefazolin and metronidazole and underwent laparoscopic appendectomy the same day.`,
    `Histology confirmed ${f.histology} appendicitis without perforation.`,
    `Recovery was uneventful: ${pr} was eating on the first day and went home on postoperative day ${f.dischargeDay}.`,
    `At the two-week follow-up visit ${pr} had no symptoms and the wounds had healed.`,
  ];
  const summary = [
    `${w.Person} presented with ${f.hours} hours of migratory right lower quadrant pain, fever and leukocytosis (${w.int(f.wbc)}/µL).`,
    `${f.imaging === 'ultrasound' ? 'Ultrasound' : 'CT'} showed a dilated appendix of ${f.diameter} mm.`,
    `Acute appendicitis was treated by laparoscopic appendectomy, and ${pr} was discharged on postoperative day ${f.dischargeDay}.`,
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'acute appendicitis', shared: [w.person, `${w.int(f.wbc)}/µL`, `${f.diameter} mm`] };
}

function es(f: Facts, w: Writer): CaseText {
  const symptoms = ['anorexia y náuseas, sin vómitos', 'anorexia, náuseas y un vómito', 'anorexia, náuseas y dos vómitos', 'anorexia, náuseas y tres vómitos'][f.vomits]!;
  const p1 = [
    `${w.Person}, sin antecedentes de interés, consultó en urgencias por dolor abdominal de ${f.hours} horas de evolución.`,
    w.pick([
      `El dolor se había iniciado en la región periumbilical y después se localizó en la fosa ilíaca derecha, acompañado de ${symptoms}.`,
      `Refería un dolor periumbilical sordo que posteriormente migró a la fosa ilíaca derecha, junto con ${symptoms}.`,
    ]),
    `Negaba diarrea y síntomas miccionales.`,
  ];
  const imaging =
    f.imaging === 'ultrasound'
      ? `La ecografía abdominal mostró un apéndice no compresible de ${f.diameter} mm de diámetro con aumento de la ecogenicidad de la grasa adyacente.`
      : `La tomografía computarizada abdominal con contraste mostró un apéndice dilatado de ${f.diameter} mm, con realce parietal, trabeculación de la grasa periapendicular y un apendicolito.`;
  const p2 = [
    `En la exploración física presentaba una temperatura de ${w.dec(f.temp, 1)} °C y una frecuencia cardíaca de ${f.heartRate} lpm.`,
    `El abdomen era doloroso en la fosa ilíaca derecha, con defensa localizada y signos de McBurney y Rovsing positivos.`,
    `La analítica mostró leucocitosis de ${w.int(f.wbc)}/mm³ con un ${f.neutrophils} % de neutrófilos y una proteína C reactiva de ${f.crp} mg/L; el sedimento de orina era normal${f.pregnancyTest ? ' y la prueba de embarazo fue negativa' : ''}.`,
    imaging,
  ];
  const p3 = [
    `Con el diagnóstico de apendicitis aguda se administraron cefazolina y metronidazol por vía intravenosa y se realizó una apendicectomía laparoscópica el mismo día.`,
    `El estudio histológico confirmó una apendicitis ${f.histology === 'phlegmonous' ? 'flemonosa' : 'gangrenosa'} sin perforación.`,
    `El postoperatorio transcurrió sin complicaciones: toleró la dieta oral desde el primer día y fue ${w.g('dado', 'dada')} de alta ${f.dischargeDay === 1 ? 'al día siguiente de la intervención' : `a los ${f.dischargeDay} días de la intervención`}.`,
    `En la revisión a las dos semanas se encontraba ${w.g('asintomático', 'asintomática')} y las heridas habían cicatrizado.`,
  ];
  const summary = [
    `${w.Person} consultó por dolor migratorio en la fosa ilíaca derecha de ${f.hours} horas de evolución, fiebre y leucocitosis (${w.int(f.wbc)}/mm³).`,
    `La ${f.imaging === 'ultrasound' ? 'ecografía' : 'tomografía'} mostró un apéndice dilatado de ${f.diameter} mm.`,
    `Se diagnosticó apendicitis aguda, tratada mediante apendicectomía laparoscópica, con alta ${f.dischargeDay === 1 ? 'al día siguiente' : `a los ${f.dischargeDay} días`}.`,
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'apendicitis aguda', shared: [w.person, `${w.int(f.wbc)}/mm³`, `${f.diameter} mm`] };
}

function fr(f: Facts, w: Writer): CaseText {
  const pr = w.g('il', 'elle');
  const Pr = w.g('Il', 'Elle');
  const vomit = ['sans vomissement', 'avec un épisode de vomissement', 'avec deux épisodes de vomissements', 'avec trois épisodes de vomissements'][f.vomits]!;
  const p1 = [
    `${w.Person}, sans antécédent notable, a consulté aux urgences pour des douleurs abdominales évoluant depuis ${f.hours} heures.`,
    w.pick([
      `La douleur, d'abord péri-ombilicale, s'était secondairement localisée en fosse iliaque droite, associée à une anorexie et à des nausées, ${vomit}.`,
      `Il s'agissait d'une douleur péri-ombilicale sourde ayant migré vers la fosse iliaque droite, accompagnée d'une anorexie et de nausées, ${vomit}.`,
    ]),
    `${Pr} ne signalait ni diarrhée ni signes urinaires.`,
  ];
  const imaging =
    f.imaging === 'ultrasound'
      ? `L'échographie abdominale objectivait un appendice non compressible de ${f.diameter} mm de diamètre et une infiltration de la graisse péri-appendiculaire.`
      : `Le scanner abdominal avec injection montrait un appendice dilaté à ${f.diameter} mm, à paroi rehaussée, avec une infiltration de la graisse péri-appendiculaire et un stercolithe.`;
  const p2 = [
    `À l'examen, la température était de ${w.dec(f.temp, 1)} °C et la fréquence cardiaque de ${f.heartRate} battements par minute.`,
    `L'abdomen était sensible en fosse iliaque droite avec une défense localisée, et les signes de McBurney et de Rovsing étaient positifs.`,
    `Le bilan biologique montrait une hyperleucocytose à ${w.int(f.wbc)}/mm³ à prédominance neutrophile (${f.neutrophils} %) et une protéine C réactive à ${f.crp} mg/L ; la bandelette urinaire était négative${f.pregnancyTest ? ', de même que le test de grossesse' : ''}.`,
    imaging,
  ];
  const p3 = [
    `Devant ce tableau d'appendicite aiguë, une antibiothérapie intraveineuse par céfazoline et métronidazole a été administrée et une appendicectomie cœlioscopique a été réalisée le jour même.`,
    `L'examen anatomopathologique a confirmé une appendicite ${f.histology === 'phlegmonous' ? 'phlegmoneuse' : 'gangréneuse'} non perforée.`,
    `Les suites ont été simples, avec une reprise alimentaire dès le lendemain et une sortie à J${f.dischargeDay} postopératoire.`,
    `À la consultation de contrôle, deux semaines plus tard, ${pr} était asymptomatique et les cicatrices étaient propres.`,
  ];
  const summary = [
    `${w.Person} a consulté pour une douleur migratrice de la fosse iliaque droite évoluant depuis ${f.hours} heures, avec fièvre et hyperleucocytose (${w.int(f.wbc)}/mm³).`,
    `${f.imaging === 'ultrasound' ? "L'échographie" : 'Le scanner'} montrait un appendice dilaté à ${f.diameter} mm.`,
    `L'appendicite aiguë a été traitée par appendicectomie cœlioscopique, avec une sortie à J${f.dischargeDay}.`,
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'appendicite aiguë', shared: [w.person, `${w.int(f.wbc)}/mm³`, `${f.diameter} mm`] };
}

function pt(f: Facts, w: Writer): CaseText {
  const symptoms = ['anorexia e náuseas, sem vômitos', 'anorexia, náuseas e um episódio de vômito', 'anorexia, náuseas e dois episódios de vômito', 'anorexia, náuseas e três episódios de vômito'][f.vomits]!;
  const p1 = [
    `${w.Person}, sem antecedentes relevantes, procurou o pronto-socorro por dor abdominal com ${f.hours} horas de evolução.`,
    w.pick([
      `A dor começou na região periumbilical e migrou para a fossa ilíaca direita, acompanhada de ${symptoms}.`,
      `Relatava dor periumbilical difusa que depois se localizou na fossa ilíaca direita, associada a ${symptoms}.`,
    ]),
    `Negava diarreia e queixas urinárias.`,
  ];
  const imaging =
    f.imaging === 'ultrasound'
      ? `A ultrassonografia abdominal evidenciou apêndice não compressível, com ${f.diameter} mm de diâmetro, e densificação da gordura adjacente.`
      : `A tomografia computadorizada de abdome com contraste mostrou apêndice dilatado, com ${f.diameter} mm, realce parietal, densificação da gordura periapendicular e um apendicolito.`;
  const p2 = [
    `Ao exame físico, apresentava temperatura de ${w.dec(f.temp, 1)} °C e frequência cardíaca de ${f.heartRate} bpm.`,
    `Havia dor à palpação da fossa ilíaca direita, com defesa localizada e sinais de McBurney e de Rovsing positivos.`,
    `Os exames laboratoriais mostraram leucocitose de ${w.int(f.wbc)}/mm³ com ${f.neutrophils}% de neutrófilos e proteína C reativa de ${f.crp} mg/L; o exame de urina era normal${f.pregnancyTest ? ' e o teste de gravidez foi negativo' : ''}.`,
    imaging,
  ];
  const p3 = [
    `Com o diagnóstico de apendicite aguda, ${w.g('o paciente', 'a paciente')} recebeu cefazolina e metronidazol por via intravenosa e foi ${w.g('submetido', 'submetida')} a apendicectomia videolaparoscópica no mesmo dia.`,
    `O exame anatomopatológico confirmou apendicite ${f.histology === 'phlegmonous' ? 'flegmonosa' : 'gangrenosa'} sem perfuração.`,
    `O pós-operatório evoluiu sem intercorrências, com boa aceitação da dieta no primeiro dia e alta no ${f.dischargeDay}º dia de pós-operatório.`,
    `No retorno ambulatorial, duas semanas depois, estava ${w.g('assintomático', 'assintomática')} e com as feridas cicatrizadas.`,
  ];
  const summary = [
    `${w.Person} apresentou dor migratória na fossa ilíaca direita com ${f.hours} horas de evolução, febre e leucocitose (${w.int(f.wbc)}/mm³).`,
    `A ${f.imaging === 'ultrasound' ? 'ultrassonografia' : 'tomografia'} mostrou apêndice dilatado, com ${f.diameter} mm.`,
    `A apendicite aguda foi tratada com apendicectomia videolaparoscópica, e a alta ocorreu no ${f.dischargeDay}º dia de pós-operatório.`,
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'apendicite aguda', shared: [w.person, `${w.int(f.wbc)}/mm³`, `${f.diameter} mm`] };
}

export const appendicitis: Scenario<Facts> = { id: 'appendicitis', draw, text: { en, es, fr, pt } };
